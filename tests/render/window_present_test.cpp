// The GLFW window's present, read back from the X server: what the screen shows after whole and partial
// presents. Runs on $DISPLAY, or on an Xvfb it starts itself; reported skipped when neither can exist.
#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "render/gl_check.h"
#include "render/gl_context.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

extern "C" {
Display* glfwGetX11Display(void);
Window glfwGetX11Window(GLFWwindow* window);
}

extern char** environ;

using namespace ganscope;

namespace {

// A display for the test: the one in $DISPLAY, or a private Xvfb that lives as long as this object.
class TestDisplay {
public:
    TestDisplay() {
        if (const char* d = std::getenv("DISPLAY"); d && *d) {
            m_ok = true;
            return;
        }
        const int number = 300 + int(getpid() % 400);
        const std::string name = ":" + std::to_string(number);
        const char* argv[] = {"Xvfb", name.c_str(), "-screen", "0", "640x480x24", "-nolisten", "tcp", nullptr};
        // Its output goes nowhere: a server outliving a crashed test must not hold the test's output open.
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0);
        const int spawned = posix_spawnp(&m_pid, "Xvfb", &files, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&files);
        if (spawned != 0) {
            m_pid = 0;
            return;
        }
        const std::string socket = "/tmp/.X11-unix/X" + std::to_string(number);
        for (int i = 0; i < 100 && !std::filesystem::exists(socket); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!std::filesystem::exists(socket)) return;
        setenv("DISPLAY", name.c_str(), 1);
        m_ok = true;
    }
    ~TestDisplay() {
        if (m_pid > 0) {
            unsetenv("DISPLAY");
            kill(m_pid, SIGTERM);
            waitpid(m_pid, nullptr, 0);
        }
    }
    bool ok() const { return m_ok; }

private:
    pid_t m_pid = 0;
    bool m_ok = false;
};

// Whether the test can have a display: $DISPLAY, or an Xvfb on the PATH to start. Known before the case
// registers, so a machine without either reports it skipped (never a silent pass).
bool display_possible() {
    if (const char* d = std::getenv("DISPLAY"); d && *d) return true;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    for (size_t start = 0; start <= dirs.size();) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        if (end > start && access((dirs.substr(start, end - start) + "/Xvfb").c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

// Fills a rectangle (top-left origin) of the frame being drawn.
void fill(int frame_height, int x, int y, int w, int h, float r, float g, float b) {
    GANSCOPE_GL_CHECK(glEnable(GL_SCISSOR_TEST));
    GANSCOPE_GL_CHECK(glScissor(x, frame_height - (y + h), w, h));
    GANSCOPE_GL_CHECK(glClearColor(r, g, b, 1.0f));
    GANSCOPE_GL_CHECK(glClear(GL_COLOR_BUFFER_BIT));
    GANSCOPE_GL_CHECK(glDisable(GL_SCISSOR_TEST));
}

// What the X server shows of the window at (x, y), as 0xRRGGBB.
unsigned long screen_pixel(GLFWwindow* window, int x, int y) {
    Display* display = glfwGetX11Display();
    XSync(display, False);
    XImage* image = XGetImage(display, glfwGetX11Window(window), x, y, 1, 1, AllPlanes, ZPixmap);
    REQUIRE(image != nullptr);
    const unsigned long pixel = XGetPixel(image, 0, 0) & 0xffffff;
    XDestroyImage(image);
    return pixel;
}

}  // namespace

TEST_CASE("a window shows what was presented: on a software rasteriser only the changed regions are copied" *
          doctest::skip(!display_possible())) {
    TestDisplay display;
    REQUIRE_MESSAGE(display.ok(), "Xvfb is on the PATH but did not start");
    ContextOptions options;
    options.kind = ContextKind::Window;
    options.width = 320;
    options.height = 200;
    options.vsync = false;
    auto context = create_context(options);
    GLFWwindow* window = context->glfw_window();
    REQUIRE(window != nullptr);
    const GlInfo& info = context->info();
    MESSAGE("GL on ", info.renderer, ", present: ", info.present);
    const bool software = info.renderer.find("llvmpipe") != std::string::npos;
    const bool partial = info.present.find("changed regions") != std::string::npos;
    if (software && !std::getenv("GANSCOPE_PRESENT")) CHECK(partial);  // Mesa under X offers the extension
    context->poll_events();
    const FrameSize size = context->framebuffer_size();
    REQUIRE(size.width == 320);
    REQUIRE(size.height == 200);
    constexpr unsigned long kRed = 0xff0000, kGreen = 0x00ff00, kBlue = 0x0000ff, kYellow = 0xffff00;

    // First frame: everything.
    context->begin_frame();
    fill(size.height, 0, 0, size.width, size.height, 1, 0, 0);
    context->end_frame(true);
    GANSCOPE_GL_CHECK(glFinish());
    CHECK(screen_pixel(window, 5, 5) == kRed);
    CHECK(screen_pixel(window, 315, 195) == kRed);

    // A region drawn and presented.
    context->begin_frame();
    fill(size.height, 40, 30, 80, 50, 0, 1, 0);
    context->end_frame(std::vector<FrameRegion>{{40, 30, 80, 50}});
    GANSCOPE_GL_CHECK(glFinish());
    CHECK(screen_pixel(window, 40, 30) == kGreen);
    CHECK(screen_pixel(window, 119, 79) == kGreen);
    CHECK(screen_pixel(window, 120, 80) == kRed);
    CHECK(screen_pixel(window, 39, 29) == kRed);

    // Two regions drawn, one presented. The earlier region stays on screen (the back buffer was not lost to a
    // swap); the unlisted one shows only when the present copies the whole frame.
    context->begin_frame();
    fill(size.height, 200, 120, 60, 40, 0, 0, 1);
    fill(size.height, 10, 150, 30, 30, 1, 1, 0);
    context->end_frame(std::vector<FrameRegion>{{200, 120, 60, 40}});
    GANSCOPE_GL_CHECK(glFinish());
    CHECK(screen_pixel(window, 230, 140) == kBlue);
    CHECK(screen_pixel(window, 60, 50) == kGreen);
    CHECK(screen_pixel(window, 300, 20) == kRed);
    CHECK(screen_pixel(window, 20, 160) == (partial ? kRed : kYellow));

    // Nothing changed: nothing presented, the screen keeps the frame.
    context->begin_frame();
    context->end_frame(std::vector<FrameRegion>{});
    CHECK(screen_pixel(window, 230, 140) == kBlue);

    // The retained frame itself holds everything drawn.
    auto pixels = context->read_pixels();
    const uint8_t* yellow = &pixels[(size_t(160) * size.width + 20) * 4];
    CHECK(int(yellow[0]) == 255);
    CHECK(int(yellow[1]) == 255);
    CHECK(int(yellow[2]) == 0);

    // Resized: the frame starts over, and the next present shows all of it even if it lists one region only.
    glfwSetWindowSize(window, 400, 260);
    FrameSize resized;
    for (int i = 0; i < 100 && (resized.width != 400 || resized.height != 260); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        context->poll_events();
        resized = context->framebuffer_size();
    }
    REQUIRE(resized.width == 400);
    REQUIRE(resized.height == 260);
    CHECK(context->begin_frame());  // new storage: everything must be drawn
    fill(resized.height, 0, 0, resized.width, resized.height, 1, 0, 1);
    context->end_frame(std::vector<FrameRegion>{{0, 0, 10, 10}});
    GANSCOPE_GL_CHECK(glFinish());
    CHECK(screen_pixel(window, 5, 5) == 0xff00ff);
    CHECK(screen_pixel(window, 390, 250) == 0xff00ff);
    CHECK(screen_pixel(window, 230, 140) == 0xff00ff);
}
