// The dock layout, headless: the default puts every panel of the run on screen with a non-zero size at 1280x800
// and 1920x1080; a docked arrangement saved to imgui.ini comes back with the same panel rectangles; a panel
// closed stays closed; Reset layout brings the default back; a DCGAN window after a pix2pix one gets its own layout.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <vector>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

const char* const kDcganPanels[] = {"Training", "Performance", "Record", "Samples", "Dataset", "History",
                                    "Curves", "Latent explorer", "Interpolation", "Inspect"};

struct Box {
    float x, y, w, h;
};

// Every panel's window rectangle, and whether it is the visible tab of its dock node.
std::map<std::string, Box> panel_boxes() {
    std::map<std::string, Box> boxes;
    for (const char* name : kDcganPanels) {
        ImGuiWindow* w = ImGui::FindWindowByName(name);
        if (!w) continue;
        boxes[name] = {w->Pos.x, w->Pos.y, w->Size.x, w->Size.y};
    }
    return boxes;
}

AppOptions options(int width, int height, const std::string& ini = "") {
    AppOptions o;
    o.headless = true;
    o.width = width;
    o.height = height;
    o.ini_path = ini;
    o.trainer.config = tiny_dcgan_config(synthetic_folder("viewer_layout", 16), 5, 3);
    o.trainer.start_paused = true;
    o.trainer.run_dir = work_dir("layout_run_" + std::to_string(width));
    return o;
}

bool laid_out(App& app) { return frames_until(app, [&] { return ImGui::FindWindowByName("Latent explorer") != nullptr; }); }

}  // namespace

TEST_CASE("the default dock layout puts every panel on screen, at 1280x800 and 1920x1080") {
    for (auto [width, height] : {std::pair{1280, 800}, std::pair{1920, 1080}}) {
        CAPTURE(width);
        App app(options(width, height));
        REQUIRE(laid_out(app));
        for (int i = 0; i < 5; ++i) app.frame();
        const float menu = ImGui::GetFrameHeight();
        const auto boxes = panel_boxes();
        for (const char* name : kDcganPanels) {
            CAPTURE(name);
            REQUIRE(boxes.count(name));
            const Box b = boxes.at(name);
            ImGuiWindow* w = ImGui::FindWindowByName(name);
            CHECK(bool(w->DockIsActive));  // docked, not floating
            CHECK(b.w >= 150);
            CHECK(b.h >= 120);
            CHECK(b.x >= 0);
            CHECK(b.y >= menu - 1);  // under the menu bar
            CHECK(b.x + b.w <= float(width) + 0.5f);
            CHECK(b.y + b.h <= float(height) + 0.5f);
        }
        // Three columns: the controls left of the grid, the grid left of the latent tools.
        CHECK(boxes.at("Training").x < boxes.at("Samples").x);
        CHECK(boxes.at("Samples").x < boxes.at("Latent explorer").x);
        CHECK(boxes.at("Samples").y < boxes.at("Curves").y);
        // Tabs of one node share its rectangle, and the layout's first panel of each node is in front.
        CHECK(boxes.at("Samples").x == boxes.at("Dataset").x);
        CHECK(bool(ImGui::FindWindowByName("Samples")->DockTabIsVisible));
        CHECK(!bool(ImGui::FindWindowByName("History")->DockTabIsVisible));
        CHECK(bool(ImGui::FindWindowByName("Performance")->DockTabIsVisible));
        CHECK(boxes.at("Inspect").x == boxes.at("Interpolation").x);  // a tab behind Interpolation
        CHECK(!bool(ImGui::FindWindowByName("Inspect")->DockTabIsVisible));
    }
}

TEST_CASE("a docked arrangement saved to imgui.ini comes back the same; closed panels stay closed") {
    const std::string ini = work_dir("layout_ini") + "/imgui.ini";
    std::map<std::string, Box> before;
    {
        App app(options(1280, 800, ini));
        REQUIRE(laid_out(app));
        for (int i = 0; i < 3; ++i) app.frame();
        // The user's arrangement: Curves becomes a tab beside Training, Interpolation is closed.
        ImGuiWindow* training = ImGui::FindWindowByName("Training");
        REQUIRE(training->DockNode);
        ImGui::DockBuilderDockWindow("Curves", training->DockNode->ID);
        for (int i = 0; i < 3; ++i) app.frame();
        ImGuiWindow* curves = ImGui::FindWindowByName("Curves");
        REQUIRE(curves->DockNode);
        CHECK(curves->DockNode == ImGui::FindWindowByName("Training")->DockNode);
        app.model().samples_tab = 2;  // History in front of its node
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(bool(ImGui::FindWindowByName("History")->DockTabIsVisible));
        app.set_panel_open("Interpolation", false);  // what its close button and the View menu do
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(!ImGui::FindWindowByName("Interpolation")->Active);
        before = panel_boxes();
        before.erase("Interpolation");
    }  // the App saves imgui.ini as it closes
    REQUIRE(std::filesystem::exists(ini));
    {
        App app(options(1280, 800, ini));
        REQUIRE(laid_out(app));
        for (int i = 0; i < 5; ++i) app.frame();
        const auto after = panel_boxes();
        for (const auto& [name, b] : before) {
            CAPTURE(name);
            REQUIRE(after.count(name));
            CHECK(after.at(name).x == doctest::Approx(b.x).epsilon(0.001));
            CHECK(after.at(name).y == doctest::Approx(b.y).epsilon(0.001));
            CHECK(after.at(name).w == doctest::Approx(b.w).epsilon(0.001));
            CHECK(after.at(name).h == doctest::Approx(b.h).epsilon(0.001));
        }
        CHECK(ImGui::FindWindowByName("Curves")->DockNode == ImGui::FindWindowByName("Training")->DockNode);
        CHECK(!app.panel_open("Interpolation"));
        CHECK(ImGui::FindWindowByName("Interpolation") == nullptr);  // never drawn in this session

        // View > Reset layout: the default again (Curves under the grid); hidden panels stay hidden.
        app.reset_layout();
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(ImGui::FindWindowByName("Curves")->DockNode != ImGui::FindWindowByName("Training")->DockNode);
        CHECK(ImGui::FindWindowByName("Curves")->Pos.x == doctest::Approx(ImGui::FindWindowByName("Samples")->Pos.x));
        app.set_panel_open("Interpolation", true);
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(bool(ImGui::FindWindowByName("Interpolation")->DockIsActive));
    }
}

TEST_CASE("a DCGAN window after a pix2pix one has its own panels docked where its layout puts them") {
    const std::string ini = work_dir("layout_kinds") + "/imgui.ini";
    std::map<std::string, Box> first;
    {
        App app(options(1280, 800, ini));
        REQUIRE(laid_out(app));
        for (int i = 0; i < 3; ++i) app.frame();
        first = panel_boxes();
    }
    {
        AppOptions o = options(1280, 800, ini);
        o.trainer.config = tiny_pix2pix_config(synthetic_folder("viewer_layout_p2p", 8, 40), 5);
        o.trainer.run_dir = work_dir("layout_run_p2p");
        App app(o);
        REQUIRE(frames_until(app, [&] { return ImGui::FindWindowByName("Translate") != nullptr; }));
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(bool(ImGui::FindWindowByName("Translate")->DockIsActive));
    }
    App app(options(1280, 800, ini));
    REQUIRE(laid_out(app));
    for (int i = 0; i < 5; ++i) app.frame();
    const auto again = panel_boxes();
    for (const char* name : kDcganPanels) {
        CAPTURE(name);
        REQUIRE(again.count(name));
        CHECK(bool(ImGui::FindWindowByName(name)->DockIsActive));  // none floats over the others
        CHECK(again.at(name).x == doctest::Approx(first.at(name).x).epsilon(0.001));
        CHECK(again.at(name).y == doctest::Approx(first.at(name).y).epsilon(0.001));
    }
    CHECK(bool(ImGui::FindWindowByName("Latent explorer")->DockTabIsVisible));
    CHECK(bool(ImGui::FindWindowByName("Interpolation")->DockTabIsVisible));
}

namespace {

// The leaf nodes of the window's dock space that are drawn and hold no panel: grey holes.
void empty_leaves(const ImGuiDockNode* node, std::vector<const ImGuiDockNode*>& out) {
    if (!node || !node->IsVisible) return;
    if (node->IsLeafNode()) {
        if (node->Windows.Size == 0) out.push_back(node);
        return;
    }
    empty_leaves(node->ChildNodes[0], out);
    empty_leaves(node->ChildNodes[1], out);
}

std::vector<const ImGuiDockNode*> empty_leaves() {
    std::vector<const ImGuiDockNode*> out;
    ImGuiWindow* training = ImGui::FindWindowByName("Training");
    REQUIRE(training->DockNode);
    empty_leaves(ImGui::DockNodeGetRootNode(training->DockNode), out);
    return out;
}

}  // namespace

TEST_CASE("a panel docked into another node, or closed, leaves no empty node behind; its neighbour takes the room") {
    const std::string ini = work_dir("layout_no_holes") + "/imgui.ini";
    {
        App app(options(1280, 800, ini));
        REQUIRE(laid_out(app));
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(empty_leaves().empty());
        const float bottom = ImGui::FindWindowByName("Curves")->Pos.y + ImGui::FindWindowByName("Curves")->Size.y;
        // Curves closed (its close button, the View menu): the grid's node takes the whole middle column.
        app.set_panel_open("Curves", false);
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(empty_leaves().empty());
        ImGuiWindow* samples = ImGui::FindWindowByName("Samples");
        CHECK(samples->Pos.y + samples->Size.y == doctest::Approx(bottom).epsilon(0.01));
        // Back where it was.
        app.set_panel_open("Curves", true);
        for (int i = 0; i < 3; ++i) app.frame();
        ImGuiWindow* curves = ImGui::FindWindowByName("Curves");
        CHECK(bool(curves->DockIsActive));
        CHECK(curves->Pos.y > samples->Pos.y + samples->Size.y - 1);
        CHECK(curves->Pos.x == doctest::Approx(samples->Pos.x));
        // Curves docked as a tab beside Training (as a drag of its tab onto Training's does): no node stays empty,
        // and the grid's node reaches the bottom of the window.
        ImGui::DockBuilderDockWindow("Curves", ImGui::FindWindowByName("Training")->DockNode->ID);
        for (int i = 0; i < 3; ++i) app.frame();
        CHECK(ImGui::FindWindowByName("Curves")->DockNode == ImGui::FindWindowByName("Training")->DockNode);
        CHECK(empty_leaves().empty());
        CHECK(samples->Pos.y + samples->Size.y == doctest::Approx(bottom).epsilon(0.01));
    }
    // The arrangement saved and read back: still no empty node.
    App app(options(1280, 800, ini));
    REQUIRE(laid_out(app));
    for (int i = 0; i < 5; ++i) app.frame();
    CHECK(ImGui::FindWindowByName("Curves")->DockNode == ImGui::FindWindowByName("Training")->DockNode);
    CHECK(empty_leaves().empty());
}
