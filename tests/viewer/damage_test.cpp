// Damage tracking: rectangle merging, and frames drawn only where they changed are pixel for pixel the frames a
// full redraw gives, through text edits, a moving window, a tooltip and a texture update.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include "render/framebuffer.h"
#include "render/gl_check.h"
#include "render/gl_context.h"
#include "render/texture.h"
#include "viewer/window/damage.h"

using namespace ganscope;

TEST_CASE("damage rectangles: overlaps merge, the cheapest pairs merge past the limit") {
    auto one = merge_rects({{0, 0, 10, 10}, {5, 5, 20, 20}}, 4);
    REQUIRE(one.size() == 1);
    CHECK(one[0].x0 == 0);
    CHECK(one[0].x1 == 20);
    auto apart = merge_rects({{0, 0, 10, 10}, {100, 100, 110, 110}, {0, 0, 0, 0}}, 4);
    CHECK(apart.size() == 2);  // the empty one is dropped
    // Three far apart, at most two: the two nearest merge; and a union that then overlaps the third merges too.
    auto two = merge_rects({{0, 0, 10, 10}, {12, 0, 22, 10}, {500, 500, 510, 510}}, 2);
    REQUIRE(two.size() == 2);
    CHECK(two[0].area() + two[1].area() == 220 + 100);
    auto chained = merge_rects({{0, 0, 10, 10}, {20, 0, 30, 10}, {8, 8, 22, 30}}, 4);
    CHECK(chained.size() == 1);
    CHECK(intersect({0, 0, 10, 10}, {10, 0, 20, 10}).empty());  // half-open: touching is not overlapping
}

namespace {

struct UiFixture {
    std::unique_ptr<GlContext> context;
    RetainedFramebuffer reference;  // every frame drawn whole, to compare with
    Texture texture;
    DamageTracker tracker;
    ImGuiContext* imgui = nullptr;

    UiFixture() {
        ContextOptions options;
        options.kind = ContextKind::Headless;
        options.width = 640;
        options.height = 400;
        context = create_context(options);
        imgui = ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;
        REQUIRE(ImGui_ImplOpenGL3_Init("#version 330 core"));
        std::vector<uint8_t> rgba(32 * 32 * 4, 200);
        texture.upload_rgba8(rgba.data(), 32, 32);
    }
    ~UiFixture() {
        texture = Texture();
        reference.release();
        ImGui_ImplOpenGL3_Shutdown();
        ImGui::DestroyContext(imgui);
    }

    // One frame of a small UI; returns the share of the window the damaged frame drew.
    double frame(int counter, float window_x, bool tooltip) {
        const FrameSize size = context->framebuffer_size();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(float(size.width), float(size.height));
        io.DeltaTime = 1.0f / 60;
        io.MousePos = tooltip ? ImVec2(60.0f + float(counter), 330) : ImVec2(-1, -1);
        ImGui_ImplOpenGL3_NewFrame();
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(10, 10));
        ImGui::SetNextWindowSize(ImVec2(200, 150));
        ImGui::Begin("status");
        ImGui::Text("step %d", counter);
        ImGui::ProgressBar(float(counter % 10) / 10.0f);
        ImGui::End();
        ImGui::SetNextWindowPos(ImVec2(window_x, 60));
        ImGui::SetNextWindowSize(ImVec2(180, 160));
        ImGui::Begin("image");
        ImGui::Image(ImTextureID(texture.id()), ImVec2(96, 96));
        ImGui::End();
        ImGui::SetNextWindowPos(ImVec2(20, 300));
        ImGui::SetNextWindowSize(ImVec2(300, 80));
        ImGui::Begin("still");
        ImGui::Button("hover me", ImVec2(200, 30));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("tooltip %d", counter);
        ImGui::End();
        ImGui::Render();
        ImDrawData* data = ImGui::GetDrawData();

        const bool fresh = context->begin_frame();
        DamageTracker::upload_textures(*data);
        auto rects = tracker.damage(*data, [](ImTextureID id) { return texture_version(unsigned(id)); }, fresh);
        const float clear[4] = {0.1f, 0.2f, 0.3f, 1.0f};
        DamageTracker::render(*data, rects, clear);
        context->end_frame(!rects.empty());
        const auto damaged = context->read_pixels();

        reference.resize(size.width, size.height);
        GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, reference.id()));
        GANSCOPE_GL_CHECK(glViewport(0, 0, size.width, size.height));
        DamageTracker::render(*data, {{0, 0, size.width, size.height}}, clear);
        std::vector<uint8_t> full(damaged.size());
        GANSCOPE_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, reference.id()));
        GANSCOPE_GL_CHECK(glPixelStorei(GL_PACK_ALIGNMENT, 1));
        GANSCOPE_GL_CHECK(glReadPixels(0, 0, size.width, size.height, GL_RGBA, GL_UNSIGNED_BYTE, full.data()));
        // read_pixels flips rows to top-down; flip the reference the same way before comparing.
        const size_t row = size_t(size.width) * 4;
        std::vector<uint8_t> flipped(full.size());
        for (int y = 0; y < size.height; ++y)
            std::memcpy(&flipped[size_t(y) * row], &full[size_t(size.height - 1 - y) * row], row);
        size_t differing = 0;
        for (size_t i = 0; i < flipped.size(); ++i) differing += flipped[i] != damaged[i];
        CHECK_MESSAGE(differing == 0, "frame ", counter, ": ", differing, " bytes differ from a full redraw");
        int64_t area = 0;
        for (const PixelRect& r : rects) area += r.area();
        return double(area) / (double(size.width) * size.height);
    }
};

}  // namespace

TEST_CASE("frames drawn where they changed equal full redraws") {
    UiFixture ui;
    CHECK(ui.frame(0, 300, false) == doctest::Approx(1.0));  // the first frame draws everything
    ui.frame(0, 300, false);                                 // ImGui settles new windows over a frame or two
    ui.frame(0, 300, false);
    CHECK(ui.frame(0, 300, false) == 0.0);                   // nothing changed: nothing drawn
    const double text = ui.frame(1, 300, false);             // one window's text and progress bar
    CHECK(text > 0.0);
    CHECK(text < 0.2);
    CHECK(ui.frame(1, 340, false) < 0.5);                    // a window moves: where it was and where it is
    CHECK(ui.frame(1, 340, false) == 0.0);
    std::vector<uint8_t> rgba(32 * 32 * 4, 40);
    ui.texture.upload_rgba8(rgba.data(), 32, 32);            // same GL name, new pixels
    const double image = ui.frame(1, 340, false);
    CHECK(image > 0.0);
    CHECK(image < 0.2);
    for (int i = 2; i < 6; ++i) ui.frame(i, 340, true);      // a tooltip appears and follows the mouse
    ui.frame(6, 340, false);                                 // and goes
    CHECK(ui.frame(6, 340, false) == 0.0);
}
