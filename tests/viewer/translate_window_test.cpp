// The Translate panel through the window's real paths, headless: --open of a pix2pix checkpoint, drawing with
// mouse events fed to ImGui over the canvas, the split-slider view; textures and screenshots checked.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/test_util.h"
#include "ml/train/trainer.h"
#include "render/texture.h"
#include "viewer/window/app.h"
#include "viewer/widgets/canvas.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

// Where the last frame drew a texture: the bounding box of its vertices on screen and of their UVs.
struct Drawn {
    bool found = false;
    ImVec2 min{1e9f, 1e9f}, max{-1e9f, -1e9f}, uv_min{1e9f, 1e9f}, uv_max{-1e9f, -1e9f};
};
Drawn find_drawn(ImTextureID texture) {
    Drawn d;
    ImDrawData* data = ImGui::GetDrawData();
    REQUIRE(data);
    for (int l = 0; l < data->CmdLists.Size; ++l) {
        const ImDrawList* list = data->CmdLists[l];
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback || cmd.GetTexID() != texture) continue;
            for (unsigned i = 0; i < cmd.ElemCount; ++i) {
                const ImDrawVert& v = list->VtxBuffer[int(cmd.VtxOffset + list->IdxBuffer[int(cmd.IdxOffset + i)])];
                d.found = true;
                d.min = ImMin(d.min, v.pos);
                d.max = ImMax(d.max, v.pos);
                d.uv_min = ImMin(d.uv_min, v.uv);
                d.uv_max = ImMax(d.uv_max, v.uv);
            }
        }
    }
    return d;
}

// A tiny pix2pix run (sketch -> colour pairs of synthetic discs), trained a few steps; returns its checkpoint.
std::string tiny_pix2pix_checkpoint(const std::string& name) {
    TrainerOptions t;
    TrainConfig& c = t.config;
    c.model = "pix2pix";
    c.data = test::synthetic_folder(name + "_data", 8, 40);
    c.device = "cpu";
    c.image_size = 32;
    c.g_width = 8;
    c.d_width = 8;
    c.batch_size = 2;
    c.grid_count = 3;
    c.steps = 3;
    c.loader_workers = 1;
    t.run_dir = test::scratch_dir(name + "_run");
    Trainer trainer(t);
    REQUIRE(trainer.wait(std::chrono::seconds(120)));
    REQUIRE(trainer.status().latest()->error.empty());
    return t.run_dir + "/checkpoint.pt";
}

Image screenshot(App& app, const std::string& path) {
    app.save_screenshot(path);
    return load_image(path);
}

int max_channel_difference(const uint8_t* a, const uint8_t* b) {
    int worst = 0;
    for (int k = 0; k < 3; ++k) worst = std::max(worst, std::abs(int(a[k]) - int(b[k])));
    return worst;
}

}  // namespace

TEST_CASE("--open of a pix2pix checkpoint: the Translate panel translates; mouse drawing; the split view") {
    const std::string checkpoint = tiny_pix2pix_checkpoint("viewer_p2p_open");
    AppOptions o;
    o.headless = true;
    o.width = 1024;
    o.height = 640;
    o.mode = AppOptions::Mode::Open;
    o.checkpoint = checkpoint;
    App app(o);
    CHECK_FALSE(app.source().capabilities().commands);
    TranslateModel& t = app.translate().model();

    // (a) The checkpoint's generator reaches the panel; the blank canvas is translated and both are on screen.
    REQUIRE(frames_until(app, [&] { return t.canvas.size() == 32 && t.output_image.ready() && !t.pending; }));
    app.frame();
    CHECK(t.active);
    CHECK(t.description.find("viewer_p2p_open_run") != std::string::npos);
    CHECK(t.message.rfind("opened ", 0) == 0);  // the panel's "opening ..." is answered
    ImGuiWindow* panel = ImGui::FindWindowByName("Translate");
    REQUIRE(panel);
    CHECK(panel->Active);
    auto translator = app.translate().worker()->translator();
    REQUIRE(translator);
    CHECK(app.translate().output_texture().texture().read_rgba8() == rgba_of(translator->translate(t.canvas.image())));
    const Drawn canvas_at = find_drawn(t.canvas_image.texture), output_at = find_drawn(t.output_image.texture);
    REQUIRE(canvas_at.found);
    REQUIRE(output_at.found);
    const float side = canvas_at.max.x - canvas_at.min.x;
    CHECK(side >= 64);  // a usable size in the 1024 x 640 window
    CHECK(canvas_at.max.y - canvas_at.min.y == doctest::Approx(side));
    CHECK(output_at.min.x > canvas_at.max.x);  // side by side
    CHECK(ImGui::FindWindowByName("Latent explorer") == nullptr);  // no latent space for pix2pix

    // (c) Drawing with the mouse: ImGui input events over the canvas across frames, as GLFW would feed them.
    ImGuiIO& io = ImGui::GetIO();
    auto screen = [&](float u, float v) {
        return ImVec2(std::floor(canvas_at.min.x + u * side), std::floor(canvas_at.min.y + v * side));
    };
    std::vector<ImVec2> path;
    for (int i = 0; i <= 6; ++i) path.push_back(screen(0.2f + 0.1f * i, 0.3f + 0.08f * i));
    const Image blank = t.canvas.image();
    const uint64_t revision = t.canvas.revision();
    io.MousePos = path[0];
    io.MouseDown[0] = false;
    app.frame();  // hover
    io.MouseDown[0] = true;
    app.frame();  // press: the stroke starts with a dot
    for (size_t i = 1; i < path.size(); ++i) {
        io.MousePos = path[i];
        app.frame();
    }
    io.MouseDown[0] = false;
    app.frame();
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    CHECK(t.canvas.revision() != revision);
    CHECK(t.canvas.can_undo());
    // The same stroke drawn straight on a canvas, with the panel's mapping from screen to canvas pixels.
    Canvas expected(32);
    expected.begin_stroke();
    const float scale = 32.0f / side;
    auto cx = [&](ImVec2 p) { return (p.x - canvas_at.min.x) * scale; };
    auto cy = [&](ImVec2 p) { return (p.y - canvas_at.min.y) * scale; };
    expected.stroke(cx(path[0]), cy(path[0]), cx(path[0]), cy(path[0]), t.brush);
    for (size_t i = 1; i < path.size(); ++i) expected.stroke(cx(path[i - 1]), cy(path[i - 1]), cx(path[i]), cy(path[i]), t.brush);
    CHECK(t.canvas.image().pixels == expected.image().pixels);
    CHECK(t.canvas.image().pixels != blank.pixels);
    CHECK(t.canvas.image().at(16, 17)[0] == 0);     // on the stroke: black (a sketch input)
    CHECK(t.canvas.image().at(29, 3)[0] == 255);    // away from it: still white

    // The drawn canvas is translated: the output texture is exactly Translator::translate of the canvas.
    REQUIRE(frames_until(app, [&] { return !t.pending; }, 30));
    for (int i = 0; i < 2; ++i) app.frame();
    const Image translated = translator->translate(t.canvas.image());
    CHECK(app.translate().output_texture().texture().read_rgba8() == rgba_of(translated));
    CHECK(translated.pixels != translator->translate(blank).pixels);
    const std::string dir = test::scratch_dir("viewer_p2p_window");
    const Image side_by_side = screenshot(app, dir + "/translate_drawn.png");
    // The canvas is on screen as drawn: a black texel of the stroke and a white one, at their centres.
    auto texel_on_screen = [&](const Image& shot, const Drawn& at, float u0, float u1, int x, int y) {
        const float w = (at.max.x - at.min.x) / (u1 - u0);  // the texture's full width on screen
        const int sx = int(at.min.x + ((x + 0.5f) / 32.0f - u0) * w), sy = int(at.min.y + (y + 0.5f) / 32.0f * side);
        return shot.at(sx, sy);
    };
    CHECK(max_channel_difference(texel_on_screen(side_by_side, canvas_at, 0, 1, 16, 17), t.canvas.image().at(16, 17)) <= 2);
    CHECK(max_channel_difference(texel_on_screen(side_by_side, canvas_at, 0, 1, 29, 3), t.canvas.image().at(29, 3)) <= 2);
    CHECK(max_channel_difference(texel_on_screen(side_by_side, output_at, 0, 1, 10, 20), translated.at(10, 20)) <= 2);

    // (b) The split view: one square, the input left of the slider's line and the output right of it.
    t.split_view = true;
    t.split = 0.5f;
    app.frame();
    app.frame();
    const Drawn left = find_drawn(t.canvas_image.texture), right = find_drawn(t.output_image.texture);
    REQUIRE(left.found);
    REQUIRE(right.found);
    const float split_side = right.max.x - left.min.x;
    CHECK(left.uv_max.x == doctest::Approx(0.5f));
    CHECK(right.uv_min.x == doctest::Approx(0.5f));
    CHECK(left.max.x == doctest::Approx(right.min.x));
    CHECK(left.max.x - left.min.x == doctest::Approx(split_side / 2));
    CHECK(right.max.y - right.min.y == doctest::Approx(split_side));
    const Image split = screenshot(app, dir + "/translate_split.png");
    // Left half shows canvas texels, right half output texels, at their places in the one square.
    auto split_texel = [&](int x, int y) {
        return split.at(int(left.min.x + (x + 0.5f) / 32.0f * split_side), int(left.min.y + (y + 0.5f) / 32.0f * split_side));
    };
    CHECK(max_channel_difference(split_texel(3, 3), t.canvas.image().at(3, 3)) <= 2);
    CHECK(max_channel_difference(split_texel(24, 20), translated.at(24, 20)) <= 2);
    CHECK(max_channel_difference(split_texel(28, 5), translated.at(28, 5)) <= 2);
    // Moving the slider moves the line.
    t.split = 0.25f;
    app.frame();
    CHECK(find_drawn(t.canvas_image.texture).uv_max.x == doctest::Approx(0.25f));
    CHECK(find_drawn(t.output_image.texture).min.x == doctest::Approx(left.min.x + split_side / 4));
}
