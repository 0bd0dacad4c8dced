// Nearest: a right-click on a Samples cell and "Nearest in the training set" (ImGui input, as a mouse gives it) brings
// the Nearest panel to the front with that cell's nearest training images, the same the index finds for it; the
// panel's textures hold the cell and the images.
#include <doctest/doctest.h>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/data/dataset.h"
#include "ml/metrics/nearest.h"
#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

// One click of `button` at (x, y), over three frames: move, press, release.
void click(App& app, float x, float y, int button) {
    ImGuiIO& io = ImGui::GetIO();
    io.AddMousePosEvent(x, y);
    app.frame();
    io.AddMouseButtonEvent(button, true);
    app.frame();
    io.AddMouseButtonEvent(button, false);
    app.frame();
}

ImGuiWindow* open_popup() {
    ImGuiContext& g = *ImGui::GetCurrentContext();
    return g.OpenPopupStack.empty() ? nullptr : g.OpenPopupStack.back().Window;
}

}  // namespace

TEST_CASE("Nearest: a Samples cell's menu finds its nearest training images, shown in the Nearest panel") {
    const std::string data = synthetic_folder("viewer_nearest", 24);
    setenv("GANSCOPE_CACHE", work_dir("nearest_cache").c_str(), 1);
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_dcgan_config(data, 5, 3);
    o.trainer.start_paused = true;  // one grid, step 0, while the test looks at it
    o.trainer.run_dir = work_dir("nearest_run");
    App app(o);
    REQUIRE(
        frames_until(app, [&] { return app.samples().grid().step >= 0 && app.samples().grid().view_image.ready(); }));
    for (int i = 0; i < 5; ++i) app.frame();
    CHECK(app.nearest().model().from.empty());
    ImGuiWindow* nearest_window = ImGui::FindWindowByName("Nearest");
    REQUIRE(nearest_window);
    CHECK_FALSE(bool(nearest_window->DockTabIsVisible));  // a tab behind Interpolation until asked

    // The middle of the Samples panel's 3 x 3 grid is the middle cell, the fifth counted from 1.
    ImGuiWindow* samples = ImGui::FindWindowByName("Samples");
    REQUIRE(samples);
    const ImVec2 centre((samples->InnerRect.Min.x + samples->InnerRect.Max.x) / 2,
                        (samples->InnerRect.Min.y + samples->InnerRect.Max.y) / 2);
    click(app, centre.x, centre.y, ImGuiMouseButton_Right);
    ImGuiWindow* menu = open_popup();
    REQUIRE(menu);
    // "Nearest in the training set" is the menu's last item.
    const float line = ImGui::GetFrameHeight();
    click(app, menu->Rect().GetCenter().x, menu->Rect().Max.y - ImGui::GetStyle().WindowPadding.y - line / 3,
          ImGuiMouseButton_Left);
    REQUIRE(frames_until(
        app, [&] { return !app.nearest().model().from.empty() && !app.nearest().model().pending; }, 60));
    const NearestModel& m = app.nearest().model();
    CHECK(m.error.empty());
    CHECK(m.from == "sample 5 of step 0");
    CHECK(m.index_size == 24);
    CHECK(m.image_size == 16);
    REQUIRE(m.matches.size() == 8);
    for (int i = 0; i < 20; ++i) app.frame();
    CHECK(bool(ImGui::FindWindowByName("Nearest")->DockTabIsVisible));  // brought to the front

    // The same answer as the index gives for that cell, and the panel's textures hold the cell and the images.
    FolderSource source(data, o.trainer.config.background);
    const NearestIndex index = NearestIndex::build(source, 16, o.trainer.config.background);
    CHECK(index.from_cache());  // the panel's worker built it into the cache
    REQUIRE(app.samples().shown());
    const torch::Tensor sample = app.samples().shown()->images[4].cpu();
    const auto want = index.query(sample.unsqueeze(0), 8)[0];
    for (size_t i = 0; i < 8; ++i) {
        CHECK(m.matches[i].name == index.name(want[i].index));
        CHECK(m.matches[i].distance == doctest::Approx(want[i].distance));
        CHECK(m.matches[i].image.ready());
        CHECK(m.matches[i].image.width == 16);
    }
    CHECK(m.query.ready());
    CHECK(m.typical == doctest::Approx(index.typical_distance()));

    // The explorer's image: its right-click menu's item (the panel's intent), answered for the image it shows. A
    // tab of the Nearest panel's node clicked before (its window focused, as a click on its tab leaves it) must not
    // keep the front.
    ImGui::FocusWindow(ImGui::FindWindowByName("Projection"));
    for (int i = 0; i < 5; ++i) app.frame();
    REQUIRE_FALSE(bool(ImGui::FindWindowByName("Nearest")->DockTabIsVisible));
    app.explorer().model().nearest = true;
    REQUIRE(frames_until(
        app, [&] { return m.from.rfind("the explorer's image", 0) == 0 && !m.pending; }, 60));
    CHECK(m.error.empty());
    CHECK(m.from == "the explorer's image (weights of step 0)");
    for (int i = 0; i < 10; ++i) app.frame();
    CHECK(bool(ImGui::FindWindowByName("Nearest")->DockTabIsVisible));
    {
        const std::vector<uint8_t> shown = app.explorer().texture().texture().read_rgba8();
        const torch::Tensor image = torch::from_blob(const_cast<uint8_t*>(shown.data()), {16, 16, 4}, torch::kUInt8)
                                            .slice(2, 0, 3)
                                            .permute({2, 0, 1})
                                            .to(torch::kFloat32) /
                                        127.5 -
                                    1;
        const auto explorer_want = index.query(image.unsqueeze(0), 8)[0];
        REQUIRE(m.matches.size() == 8);
        for (size_t i = 0; i < 8; ++i)
            CHECK(m.matches[i].distance == doctest::Approx(explorer_want[i].distance).epsilon(1e-3));
    }
    // An interpolation frame: the strip's third.
    REQUIRE(frames_until(
        app, [&] { return app.interpolation().model().strip.ready(); }, 30));
    app.interpolation().model().nearest_frame = 2;
    REQUIRE(frames_until(
        app, [&] { return m.from.rfind("interpolation frame 3", 0) == 0 && !m.pending; }, 60));
    CHECK(m.error.empty());
    CHECK(m.from == "interpolation frame 3 (weights of step 0)");
    CHECK(m.matches.size() == 8);
    unsetenv("GANSCOPE_CACHE");
}
