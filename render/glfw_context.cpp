// The windowed GlContext: a resizable, DPI-aware GLFW window with a 3.3+ core context. GL (main) thread only.
#include "render/gl_check.h"  // glad first: GLFW must not pull in the system gl.h

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <X11/Xlib.h>

// GLFW's X11/GLX accessors (glfw3native.h declares them, but pulls in Xrandr and GLX headers that nothing
// else here needs). A GLXWindow is an XID.
extern "C" {
Display* glfwGetX11Display(void);
XID glfwGetGLXWindow(GLFWwindow* window);
}

#include <algorithm>
#include <cstdlib>
#include <string>

#include "render/gl_context.h"

namespace ganscope {
namespace {

std::string g_last_glfw_error;  // written by GLFW's callback on the main thread
int g_x_error = 0;               // written by the X error handler around the partial present (main thread)

void on_glfw_error(int code, const char* description) {
    g_last_glfw_error = std::string(description ? description : "") + " (GLFW error " + std::to_string(code) + ")";
}

class GlfwContext final : public GlContext {
public:
    explicit GlfwContext(const ContextOptions& options) : GlContext(ContextKind::Window) {
        glfwSetErrorCallback(on_glfw_error);
        if (!glfwInit())
            throw RenderError("could not open a window: " + g_last_glfw_error +
                              "; run with --headless --screenshot out.png to render offscreen");
        glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
        glfwWindowHint(GLFW_VISIBLE, options.visible ? GLFW_TRUE : GLFW_FALSE);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
        // Ask for 4.5 (what glad loads); fall back to the 3.3 minimum so older drivers get the clear version error
        // from load_gl rather than a bare "could not create a context".
        const int versions[][2] = {{4, 5}, {4, 1}, {3, 3}};
        for (auto& v : versions) {
            glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, v[0]);
            glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, v[1]);
            m_window = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
            if (m_window) break;
        }
        if (!m_window) {
            std::string why = g_last_glfw_error;
            glfwTerminate();
            throw RenderError("could not create an OpenGL 3.3 core window: " + why +
                              "; update the graphics driver, or run with --headless");
        }
        glfwMakeContextCurrent(m_window);
        glfwSwapInterval(options.vsync ? 1 : 0);
        load_gl(reinterpret_cast<void* (*)(const char*)>(glfwGetProcAddress), "GLFW window");
        choose_present();
        // Exposed or resized: the screen must be filled again even when no pixel of the UI changed.
        glfwSetWindowUserPointer(m_window, this);
        glfwSetWindowRefreshCallback(m_window, [](GLFWwindow* w) {
            static_cast<GlfwContext*>(glfwGetWindowUserPointer(w))->m_present_pending = true;
        });
        glfwSetFramebufferSizeCallback(m_window, [](GLFWwindow* w, int, int) {
            static_cast<GlfwContext*>(glfwGetWindowUserPointer(w))->m_present_pending = true;
        });
        begin_frame();
    }

    ~GlfwContext() override {
        if (m_window) {
            glfwMakeContextCurrent(m_window);
            release_frame();
        }
        if (m_window) glfwDestroyWindow(m_window);
        glfwTerminate();
    }

    void make_current() override { glfwMakeContextCurrent(m_window); }
    bool should_close() const override { return glfwWindowShouldClose(m_window); }
    void request_close() override { glfwSetWindowShouldClose(m_window, GLFW_TRUE); }
    void poll_events() override { glfwPollEvents(); }
    void end_frame(const std::vector<FrameRegion>& changed) override {
        if (changed.empty() && !m_present_pending) return;
        const bool everything = m_present_pending;
        m_present_pending = false;
        const FrameSize size = framebuffer_size();
        const bool resized = size.width != m_presented.width || size.height != m_presented.height;
        m_presented = size;
        if (!m_copy_sub_buffer || resized) {
            // The back buffer's contents are undefined after a swap, so every swap copies the whole frame. A new
            // size always swaps, twice where the last presents were partial: Mesa's software path learns a new
            // window size only at a swap (a partial copy right after a resize was refused by the X server, and
            // the first swap still had the old size).
            for (int i = 0; i < (m_copy_sub_buffer && resized ? 2 : 1); ++i) {
                blit_frame_to(0);
                glfwSwapBuffers(m_window);
            }
            m_back_valid = false;
            return;
        }
        // Not swapped since, so the back buffer keeps the last frame: bring the changed regions up to date in it
        // (all of it after a swap), then copy just those onto the screen.
        const std::vector<FrameRegion> whole{{0, 0, size.width, size.height}};
        const std::vector<FrameRegion>& regions = everything ? whole : changed;
        if (m_back_valid) {
            for (const FrameRegion& r : regions) blit_region_to(0, r);
        } else {
            blit_frame_to(0);
        }
        m_back_valid = true;
        // An X error here would end the process through Xlib's default handler: catch it, and swap from now on.
        XSync(m_x_display, False);
        g_x_error = 0;
        XErrorHandler previous = XSetErrorHandler([](Display*, XErrorEvent* e) {
            g_x_error = e->error_code;
            return 0;
        });
        for (const FrameRegion& r : regions) {
            const FrameRegion g = gl_region(r, size);
            if (g.width > 0) m_copy_sub_buffer(m_x_display, m_drawable, g.x, g.y, g.width, g.height);
        }
        XSync(m_x_display, False);
        XSetErrorHandler(previous);
        if (g_x_error != 0) {
            m_copy_sub_buffer = nullptr;
            m_info.present = "swap (copying changed regions failed with X error " + std::to_string(g_x_error) + ")";
            m_present_pending = true;
        }
    }
    FrameSize framebuffer_size() const override {
        FrameSize s;
        glfwGetFramebufferSize(m_window, &s.width, &s.height);
        return s;
    }
    FrameSize window_size() const override {
        FrameSize s;
        glfwGetWindowSize(m_window, &s.width, &s.height);
        return s;
    }
    float content_scale() const override {
        float x = 1, y = 1;
        glfwGetWindowContentScale(m_window, &x, &y);
        return x > 0 ? x : 1.0f;
    }
    GLFWwindow* glfw_window() const override { return m_window; }
    void set_title(const std::string& title) override { glfwSetWindowTitle(m_window, title.c_str()); }

private:
    using CopySubBuffer = void (*)(Display*, XID, int, int, int, int);  // glXCopySubBufferMESA

    // A software rasteriser (Mesa llvmpipe under Xvfb or a plain X server) presents by copying pixels to the X
    // server on the CPU, the whole window per swap; GLX_MESA_copy_sub_buffer copies only what changed. GPU
    // drivers keep swapping (cheap there, and vsynced). GANSCOPE_PRESENT=swap forces swapping (comparisons).
    void choose_present() {
        m_info.present = "swap";
        const char* forced = std::getenv("GANSCOPE_PRESENT");
        if (forced && std::string(forced) == "swap") return;
        const std::string& r = m_info.renderer;
        const bool software = r.find("llvmpipe") != std::string::npos || r.find("softpipe") != std::string::npos ||
                              r.find("swrast") != std::string::npos;
        if (!software || !glfwExtensionSupported("GLX_MESA_copy_sub_buffer")) return;
        m_x_display = glfwGetX11Display();
        m_drawable = glfwGetGLXWindow(m_window);
        m_copy_sub_buffer = reinterpret_cast<CopySubBuffer>(glfwGetProcAddress("glXCopySubBufferMESA"));
        if (!m_x_display || !m_drawable || !m_copy_sub_buffer) {
            m_copy_sub_buffer = nullptr;
            return;
        }
        m_info.present = "changed regions only";  // GLX_MESA_copy_sub_buffer
    }

    GLFWwindow* m_window = nullptr;
    bool m_present_pending = true;  // the whole frame must reach the screen (first frame, exposed, resized)
    CopySubBuffer m_copy_sub_buffer = nullptr;
    Display* m_x_display = nullptr;
    XID m_drawable = 0;            // the window's GLXWindow
    FrameSize m_presented;         // the size of the last present
    bool m_back_valid = false;     // the back buffer holds the last presented frame (no swap since)
};

}  // namespace

std::unique_ptr<GlContext> create_glfw_context(const ContextOptions& options) {
    return std::make_unique<GlfwContext>(options);
}

}  // namespace ganscope
