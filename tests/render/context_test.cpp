// Headless EGL context: creation, version, drawing into the FBO, pixel read-back and PNG screenshots.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "render/gl_check.h"
#include "render/gl_context.h"

using namespace ganscope;

TEST_CASE("headless EGL context draws into its framebuffer and reads it back") {
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = 64;
    options.height = 48;
    auto context = create_context(options);
    CHECK(context->info().major * 10 + context->info().minor >= kMinGlMajor * 10 + kMinGlMinor);
    CHECK(context->framebuffer_object() != 0);
    MESSAGE("GL ", context->info().version, " on ", context->info().renderer, " via ", context->info().platform);

    context->begin_frame();
    GANSCOPE_GL_CHECK(glClearColor(0.0f, 0.0f, 1.0f, 1.0f));
    GANSCOPE_GL_CHECK(glClear(GL_COLOR_BUFFER_BIT));
    // A red band over the top quarter, via scissor, proves row order: images are top-down.
    GANSCOPE_GL_CHECK(glEnable(GL_SCISSOR_TEST));
    GANSCOPE_GL_CHECK(glScissor(0, 36, 64, 12));
    GANSCOPE_GL_CHECK(glClearColor(1.0f, 0.0f, 0.0f, 1.0f));
    GANSCOPE_GL_CHECK(glClear(GL_COLOR_BUFFER_BIT));
    GANSCOPE_GL_CHECK(glDisable(GL_SCISSOR_TEST));
    context->end_frame();

    auto pixels = context->read_pixels();
    REQUIRE(pixels.size() == 64u * 48u * 4u);
    const uint8_t* top = &pixels[(2 * 64 + 5) * 4];
    const uint8_t* bottom = &pixels[(40 * 64 + 5) * 4];
    CHECK(int(top[0]) == 255);
    CHECK(int(top[2]) == 0);
    CHECK(int(bottom[0]) == 0);
    CHECK(int(bottom[2]) == 255);

    auto dir = std::filesystem::path(GANSCOPE_BINARY_DIR) / "test-work" / "render";
    std::string path = (dir / "context.png").string();
    write_png_rgba(path, pixels.data(), 64, 48);
    int w = 0, h = 0;
    auto back = read_png_rgba(path, w, h);
    CHECK(w == 64);
    CHECK(h == 48);
    CHECK(back == pixels);
    CHECK_THROWS_AS(read_png_rgba(path + ".missing", w, h), RenderError);
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("a window without a display fails with a message that suggests --headless") {
    const char* saved_display = std::getenv("DISPLAY");
    const char* saved_wayland = std::getenv("WAYLAND_DISPLAY");
    std::string display = saved_display ? saved_display : "", wayland = saved_wayland ? saved_wayland : "";
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    ContextOptions options;
    options.kind = ContextKind::Window;
    std::string message;
    try {
        create_context(options);
    } catch (const RenderError& e) {
        message = e.what();
    }
    if (saved_display) setenv("DISPLAY", display.c_str(), 1);
    if (saved_wayland) setenv("WAYLAND_DISPLAY", wayland.c_str(), 1);
    CHECK(message.find("--headless") != std::string::npos);
    CHECK(message.find("DISPLAY") != std::string::npos);
}

TEST_CASE("a screenshot into an unwritable place names the file") {
    std::vector<uint8_t> pixel(4, 255);
    std::string message;
    try {
        write_png_rgba("/proc/ganscope-cannot-write/shot.png", pixel.data(), 1, 1);
    } catch (const RenderError& e) {
        message = e.what();
    }
    CHECK(message.find("/proc/ganscope-cannot-write/shot.png") != std::string::npos);
}

TEST_CASE("presented regions are clipped to the frame and turned into GL's bottom-up rows") {
    auto same = [](FrameRegion a, FrameRegion b) {
        return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height;
    };
    const FrameSize size{100, 80};
    CHECK(same(gl_region({10, 20, 30, 40}, size), {10, 20, 30, 40}));  // rows 20..59 of 80 are GL rows 20..59
    CHECK(same(gl_region({0, 0, 100, 10}, size), {0, 70, 100, 10}));    // the top band is GL's last rows
    CHECK(same(gl_region({-5, 75, 20, 20}, size), {0, 0, 15, 5}));      // clipped on the left and at the bottom
    CHECK(same(gl_region({100, 0, 10, 10}, size), {}));                 // wholly outside
    CHECK(same(gl_region({10, 10, 0, 5}, size), {}));                   // empty
}
