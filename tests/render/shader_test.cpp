// Shaders of shaders/: error messages that name file and line, the display shader against the CPU conversion,
// the grid shader's cell layout, zoom, pan and hover frame; all read back from headless EGL framebuffers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "render/float_images.h"
#include "render/gl_check.h"
#include "render/gl_context.h"
#include "render/image_passes.h"
#include "render/shader.h"
#include "render/texture.h"
#include "shaders/embedded_shaders.h"

using namespace ganscope;

namespace {
std::unique_ptr<GlContext> headless() {
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = 16;
    options.height = 16;
    return create_context(options);
}

std::string compile_error(const std::string& fragment_source) {
    try {
        ShaderProgram program("fullscreen.vert", shader_source("fullscreen.vert"), "broken.frag", fragment_source);
    } catch (const RenderError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("driver logs become shaders/FILE:LINE messages (Mesa, NVIDIA, AMD wording)") {
    CHECK(shader_log_message("grid.frag", "0:12(5): error: `foo' undeclared\n") ==
          "shaders/grid.frag:12: error: `foo' undeclared");
    CHECK(shader_log_message("grid.frag", "0(7) : error C1008: undefined variable \"foo\"") ==
          "shaders/grid.frag:7: error C1008: undefined variable \"foo\"");
    CHECK(shader_log_message("a.vert", "ERROR: 0:3: 'x' : undeclared identifier\nERROR: 1 compilation errors.") ==
          "shaders/a.vert:3: error: 'x' : undeclared identifier\nshaders/a.vert: ERROR: 1 compilation errors.");
    CHECK(shader_log_message("a.vert", "") == "shaders/a.vert: the driver rejected it without a message");
}

TEST_CASE("the shaders of shaders/ are embedded and build; a missing one is named with the embedded list") {
    auto context = headless();
    auto names = embedded_shader_names();
    CHECK(std::find(names.begin(), names.end(), "display.frag") != names.end());
    CHECK(std::find(names.begin(), names.end(), "grid.frag") != names.end());
    CHECK(std::string(embedded_shader("fullscreen.vert")).find("#version 330 core") != std::string::npos);
    DisplayPass display;
    GridPass grid;
    try {
        shader_source("nope.frag");
        FAIL("no error for a shader that is not there");
    } catch (const RenderError& e) {
        CHECK(std::string(e.what()).find("shaders/nope.frag") != std::string::npos);
        CHECK(std::string(e.what()).find("display.frag") != std::string::npos);
    }
}

TEST_CASE("a broken shader source gives the file-and-line error from the real compiler") {
    auto context = headless();
    const std::string broken =
        "#version 330 core\n"
        "out vec4 colour;\n"
        "\n"
        "void main() {\n"
        "    colour = vec4(1.0);\n"
        "    colour.r = undeclared_thing;\n"  // line 6
        "}\n";
    std::string message = compile_error(broken);
    INFO(message);
    CHECK(message.rfind("shaders/broken.frag:6: ", 0) == 0);
    CHECK(message.find("undeclared_thing") != std::string::npos);
    CHECK(compile_error("#version 330 core\nout vec4 colour;\nvoid main() { colour = vec4(1.0); }\n").empty());
}

TEST_CASE("a shader variant's defines keep the file's line numbers in the real compiler's errors") {
    auto context = headless();
    const std::string source =
        "// a comment first\n"
        "#version 330 core\n"    // line 2
        "out vec4 colour;\n"
        "void main() {\n"
        "#ifdef BROKEN\n"
        "    colour.r = undeclared_thing;\n"  // line 6
        "#endif\n"
        "    colour = vec4(1.0);\n"
        "}\n";
    const std::string variant = with_defines(source, {"BROKEN", "OTHER"});
    CHECK(variant.find("#version 330 core\n#define BROKEN 1\n#define OTHER 1\n#line 3\nout vec4") != std::string::npos);
    CHECK(compile_error(source).empty());  // without the define, the line is not compiled
    const std::string message = compile_error(variant);
    CAPTURE(message);
    CHECK(message.rfind("shaders/broken.frag:6: ", 0) == 0);
    CHECK(with_defines(source, {}) == source);
    CHECK_THROWS_WITH_AS(with_defines("void main() {}", {"X"}), doctest::Contains("#version"), RenderError);
}

TEST_CASE("the display shader turns planar floats into the CPU conversion's bytes within 1 in 255") {
    auto context = headless();
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> dist(-1.3f, 1.3f);
    for (int channels : {3, 1}) {
        const int n = 3, h = 9, w = 13;
        std::vector<float> nchw(size_t(n) * channels * h * w);
        for (auto& v : nchw) v = dist(rng);
        nchw[0] = -1.0f;
        nchw[1] = 1.0f;
        nchw[2] = 0.0f;
        FloatImages images;
        images.upload(nchw.data(), n, channels, h, w);
        CHECK(images.read_layer(1) == std::vector<float>(nchw.begin() + channels * h * w,
                                                         nchw.begin() + 2 * channels * h * w));
        DisplayPass pass;
        Texture target;
        for (int layer = 0; layer < n; ++layer) {
            pass.draw(images, layer, target);
            REQUIRE(target.width() == w);
            REQUIRE(target.height() == h);
            auto back = target.read_rgba8();
            const float* img = nchw.data() + size_t(layer) * channels * h * w;
            int worst = 0;
            for (int i = 0; i < w * h; ++i)
                for (int c = 0; c < 3; ++c) {
                    const float v = img[(channels == 3 ? c : 0) * w * h + i];
                    worst = std::max(worst, std::abs(int(back[4 * i + c]) - int(unit_to_byte(v))));
                }
            CHECK(worst <= 1);
            if (layer == 0) {
                CHECK(int(back[0]) == 0);  // -1, 1 and 0 hit the ends and the middle
                CHECK(int(back[channels == 3 ? 4 : 4]) >= 254);
                CHECK(std::abs(int(back[8]) - 128) <= 1);
            }
            CHECK(int(back[3]) == 255);
        }
    }
}

namespace {
// Layer i of a grid test: one colour, different per channel, so a misplaced cell or channel shows.
float test_value(int layer, int channel, int count) {
    float v = -0.9f + 1.8f * float(layer) / float(count - 1);
    return channel == 0 ? v : channel == 1 ? -v : 0.5f * v;
}

FloatImages test_images(int count, int cell) {
    std::vector<float> nchw(size_t(count) * 3 * cell * cell);
    for (int i = 0; i < count; ++i)
        for (int c = 0; c < 3; ++c)
            std::fill_n(nchw.begin() + (size_t(i) * 3 + c) * cell * cell, cell * cell, test_value(i, c, count));
    FloatImages images;
    images.upload(nchw.data(), count, 3, cell, cell);
    return images;
}

// Counts pixels of the read-back that differ (by more than 1) from the cell the layout puts there.
int layout_mismatches(const std::vector<uint8_t>& back, const GridLayout& layout, const GridView& view,
                      std::string* first) {
    int bad = 0;
    for (int y = 0; y < view.height; ++y)
        for (int x = 0; x < view.width; ++x) {
            const int cell = layout.cell_at(view.offset_x + (x + 0.5f) / view.zoom,
                                            view.offset_y + (y + 0.5f) / view.zoom);
            for (int c = 0; c < 3; ++c) {
                int want = cell < 0 ? int(std::lround(view.background[c] * 255))
                                    : int(unit_to_byte(test_value(cell, c, layout.count)));
                int got = back[(size_t(y) * view.width + x) * 4 + c];
                if (std::abs(got - want) > 1) {
                    if (!bad++ && first)
                        *first = "pixel " + std::to_string(x) + "," + std::to_string(y) + " channel " +
                                 std::to_string(c) + ": " + std::to_string(got) + ", expected " +
                                 std::to_string(want) + " (cell " + std::to_string(cell) + ")";
                }
            }
        }
    return bad;
}
}  // namespace

TEST_CASE("the grid pass compiles one variant per kind of view, each at its first use") {
    auto context = headless();
    FloatImages colour = test_images(4, 8);
    GridLayout layout{4, 2, 8, 8, 2};
    GridPass pass;
    CHECK(pass.variants() == 1);  // the common one, at construction
    GridView view = GridView::fitted(layout, 60, 60);
    CHECK(GridPass::variant_of(colour, view).empty());
    Texture target;
    pass.draw(colour, layout, view, target);
    CHECK(pass.variants() == 1);
    view.zoom = 0.5f;
    CHECK(GridPass::variant_of(colour, view) == std::vector<std::string>{"MINIFIED"});
    view.zoom = 9;
    view.scores = 1;  // only its presence matters to the choice
    CHECK(GridPass::variant_of(colour, view) == std::vector<std::string>{"PIXEL_GRID", "SCORED"});
    view.scores = 0;
    view.color_map = 1;
    std::vector<float> one(4 * 8 * 8, 0.5f);
    FloatImages gray;
    gray.upload(one.data(), 4, 1, 8, 8);
    CHECK(GridPass::variant_of(gray, view) == std::vector<std::string>{"MAPPED", "PIXEL_GRID"});
    view.color_map = 0;
    view.zoom = 1;
    CHECK(GridPass::variant_of(gray, view) == std::vector<std::string>{"GRAY"});
    pass.draw(gray, layout, view, target);
    CHECK(pass.variants() == 2);
    pass.draw(gray, layout, view, target);
    CHECK(pass.variants() == 2);
}

TEST_CASE("the grid shader's cells, gutters, zoom and pan read back where the layout puts them") {
    auto context = headless();
    const int count = 7, cell = 6;
    FloatImages images = test_images(count, cell);
    GridLayout layout{count, 3, cell, cell, 2};
    CHECK(layout.width() == 2 + 3 * 8);
    CHECK(layout.height() == 2 + 3 * 8);
    GridPass pass;
    Texture target;
    std::string first;

    GridView one_to_one;  // 1:1, no pan, a view larger than the grid (outside is background)
    one_to_one.width = 30;
    one_to_one.height = 29;
    pass.draw(images, layout, one_to_one, target);
    CHECK(layout_mismatches(target.read_rgba8(), layout, one_to_one, &first) == 0);
    CHECK_MESSAGE(first.empty(), first);

    GridView zoomed;  // 3x, panned into the grid: nearest filtering keeps each cell one colour
    zoomed.width = 40;
    zoomed.height = 33;
    zoomed.zoom = 3;
    zoomed.offset_x = 5.25f;
    zoomed.offset_y = 9.5f;
    zoomed.pixel_grid_from = 100;  // no pixel lines in this check
    first.clear();
    pass.draw(images, layout, zoomed, target);
    CHECK(target.width() == 40);
    CHECK(layout_mismatches(target.read_rgba8(), layout, zoomed, &first) == 0);
    CHECK_MESSAGE(first.empty(), first);
}

TEST_CASE("the grid shader frames the hovered cell, draws pixel lines when zoomed in, and filters when fitted") {
    auto context = headless();
    const int count = 4, cell = 8;
    FloatImages images = test_images(count, cell);
    GridLayout layout{count, 2, cell, cell, 2};
    GridPass pass;
    Texture target;

    GridView view;
    view.width = layout.width() * 4;
    view.height = layout.height() * 4;
    view.zoom = 4;
    view.hover = 3;
    view.frame_px = 2;
    view.pixel_grid_from = 4;
    pass.draw(images, layout, view, target);
    auto back = target.read_rgba8();
    auto at = [&](int x, int y, int c) { return int(back[(size_t(y) * view.width + x) * 4 + c]); };
    // Cell 3 starts at grid (12, 12): its first two target pixels are the frame, then pixel lines.
    const int x3 = 12 * 4, y3 = 12 * 4;
    CHECK(at(x3, y3 + 10, 0) == 90);
    CHECK(at(x3 + 1, y3 + 10, 2) == 255);
    CHECK(at(x3 + 2, y3 + 10, 0) != 90);
    // Cell 0 is not framed; its pixel lines (the first target pixel of each image pixel) are darker.
    const int x0 = 2 * 4, y0 = 2 * 4;
    const int red0 = unit_to_byte(test_value(0, 0, count)), green0 = unit_to_byte(test_value(0, 1, count));
    CHECK(std::abs(at(x0 + 1, y0 + 1, 1) - green0) <= 1);
    CHECK(at(x0 + 4, y0 + 1, 1) < green0 - 20);
    CHECK(std::abs(at(x0 + 1, y0 + 1, 0) - red0) <= 1);

    // Fitted smaller than 1:1 (the area filter's taps): every cell's centre is still its own colour.
    GridView fitted = GridView::fitted(layout, 11, 11);
    CHECK(fitted.zoom == doctest::Approx(11.0 / 22.0));
    pass.draw(images, layout, fitted, target);
    back = target.read_rgba8();
    for (int i = 0; i < count; ++i) {
        const float gx = 2 + (i % 2) * 10 + 4, gy = 2 + (i / 2) * 10 + 4;
        const int x = int((gx - fitted.offset_x) * fitted.zoom), y = int((gy - fitted.offset_y) * fitted.zoom);
        CAPTURE(i);
        for (int c = 0; c < 3; ++c)
            CHECK(std::abs(int(back[(size_t(y) * fitted.width + x) * 4 + c]) -
                           int(unit_to_byte(test_value(i, c, count)))) <= 2);
    }
}

TEST_CASE("a fitted grid averages each pixel's footprint and shows new images at once") {
    auto context = headless();
    {
        // A checkerboard of -1 and +1 texels seen at half size: nearest sampling would give black or white; the
        // area filter gives the mean, grey (byte ~128).
        const int side = 16;
        std::vector<float> board(size_t(3) * side * side);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < side; ++y)
                for (int x = 0; x < side; ++x) board[(size_t(c) * side + y) * side + x] = (x + y) % 2 ? 1.0f : -1.0f;
        FloatImages one;
        one.upload(board.data(), 1, 3, side, side);
        GridLayout single{1, 1, side, side, 0};
        GridView half;
        half.width = half.height = side / 2;
        half.zoom = 0.5f;
        GridPass p;
        Texture t;
        p.draw(one, single, half, t);
        const auto px = t.read_rgba8();
        int worst = 0;
        for (int y = 1; y < side / 2 - 1; ++y)
            for (int x = 1; x < side / 2 - 1; ++x)
                for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(px[(size_t(y) * half.width + x) * 4 + c]) - 128));
        CHECK(worst <= 8);
    }
    const int count = 4, cell = 8;
    FloatImages images = test_images(count, cell);
    GridLayout layout{count, 2, cell, cell, 2};
    GridPass pass;
    Texture target;
    const GridView fitted = GridView::fitted(layout, 11, 11);
    pass.draw(images, layout, fitted, target);
    // New values (every channel negated), uploaded into the same storage: the chain is stale until drawn smaller.
    std::vector<float> flipped(size_t(count) * 3 * cell * cell);
    for (int i = 0; i < count; ++i)
        for (int c = 0; c < 3; ++c)
            std::fill_n(flipped.begin() + (size_t(i) * 3 + c) * cell * cell, cell * cell, -test_value(i, c, count));
    images.upload(flipped.data(), count, 3, cell, cell);
    pass.draw(images, layout, fitted, target);
    const auto back = target.read_rgba8();
    for (int i = 0; i < count; ++i) {
        const float gx = 2 + (i % 2) * 10 + 4, gy = 2 + (i / 2) * 10 + 4;
        const int x = int((gx - fitted.offset_x) * fitted.zoom), y = int((gy - fitted.offset_y) * fitted.zoom);
        CAPTURE(i);
        for (int c = 0; c < 3; ++c)
            CHECK(std::abs(int(back[(size_t(y) * fitted.width + x) * 4 + c]) -
                           int(unit_to_byte(-test_value(i, c, count)))) <= 2);
    }
}

TEST_CASE("the grid shader frames each cell in its score's colour, under the hover frame") {
    auto context = headless();
    const int count = 4, cell = 8;
    FloatImages images = test_images(count, cell);
    GridLayout layout{count, 2, cell, cell, 2};
    GridPass pass;
    Texture target;
    const ColorMap& coolwarm = color_map("coolwarm");
    ColorMapTexture lut(coolwarm);
    CellScores scores;
    const std::vector<float> values{0.0f, 0.25f, 0.9f, 1.0f};
    scores.upload(values);
    CHECK(scores.count() == 4);
    GridView view;
    view.width = layout.width() * 4;
    view.height = layout.height() * 4;
    view.zoom = 4;
    view.frame_px = 3;
    view.pixel_grid_from = 100;
    view.hover = 2;
    view.scores = scores.id();
    view.score_map = lut.id();
    view.score_low = 0;
    view.score_high = 1;
    pass.draw(images, layout, view, target);
    const auto back = target.read_rgba8();
    auto at = [&](int x, int y, int c) { return int(back[(size_t(y) * view.width + x) * 4 + c]); };
    for (int i = 0; i < count; ++i) {
        CAPTURE(i);
        const int x = (2 + (i % 2) * 10) * 4, y = (2 + (i / 2) * 10) * 4;  // the cell's top-left target pixel
        const auto want = sample(coolwarm, values[size_t(i)]);
        for (int c = 0; c < 3; ++c) {
            // On the frame (the first 3 target pixels in from the edge): the score's colour, or the hover's.
            const int frame = i == 2 ? int(std::lround(view.highlight[c] * 255)) : int(std::lround(want[c] * 255));
            CHECK(std::abs(at(x + 1, y + 12, c) - frame) <= 1);
            CHECK(std::abs(at(x + 12, y + 2, c) - frame) <= 1);
            // Inside it: the image.
            CHECK(std::abs(at(x + 12, y + 12, c) - int(unit_to_byte(test_value(i, c, count)))) <= 1);
        }
    }
    // Scores without a colour map are refused with the reason.
    view.score_map = 0;
    CHECK_THROWS_WITH_AS(pass.draw(images, layout, view, target), doctest::Contains("colour map"), RenderError);
}

TEST_CASE("shader passes leave the caller's framebuffer, viewport and program as they were") {
    auto context = headless();
    context->begin_frame();
    GLint fbo = 0, viewport[4] = {}, program = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &fbo);
    glGetIntegerv(GL_VIEWPORT, viewport);
    FloatImages images = test_images(2, 4);
    DisplayPass pass;
    Texture target;
    pass.draw(images, 1, target);
    GLint fbo_after = 0, viewport_after[4] = {}, program_after = -1;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &fbo_after);
    glGetIntegerv(GL_VIEWPORT, viewport_after);
    glGetIntegerv(GL_CURRENT_PROGRAM, &program_after);
    CHECK(fbo_after == fbo);
    CHECK(fbo == GLint(context->framebuffer_object()));
    for (int i = 0; i < 4; ++i) CHECK(viewport_after[i] == viewport[i]);
    CHECK(program_after == program);
    CHECK(target.updates() == 1);
}
