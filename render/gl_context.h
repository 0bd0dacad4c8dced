// An OpenGL context chosen at run time: a GLFW window, or a headless EGL context drawing into an FBO.
// Create, use and destroy it on one thread (the GL thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "render/framebuffer.h"

struct GLFWwindow;

namespace ganscope {

enum class ContextKind { Window, Headless };

struct ContextOptions {
    ContextKind kind = ContextKind::Window;
    int width = 1280;   // window: logical size (scaled by the monitor's content scale); headless: pixels
    int height = 800;
    std::string title = "ganscope";
    bool vsync = true;
    bool visible = true;  // window only: a hidden window still renders (used for tests under Xvfb)
    // Headless only: on NVIDIA prefer the EGL device that is this CUDA device, so interop stays on one GPU.
    // -1: no preference (Mesa's surfaceless platform, or the first EGL device).
    int cuda_device = -1;
};

struct GlInfo {
    int major = 0, minor = 0;
    std::string version, renderer, vendor;
    std::string platform;  // "GLFW window", "EGL surfaceless (Mesa)", "EGL device 0 (CUDA 0)"
    std::string present;   // how frames reach the screen: "swap", "changed regions only", "none (headless ...)"
};

// The oldest GL ganscope draws with: the ImGui backend and our shaders need 3.3 core.
constexpr int kMinGlMajor = 3, kMinGlMinor = 3;

struct FrameSize {
    int width = 0, height = 0;
};

// A rectangle of the frame that was drawn, in framebuffer pixels, top-left origin.
struct FrameRegion {
    int x = 0, y = 0, width = 0, height = 0;
};
// `region` clipped to a frame of `size`, with GL's bottom-up rows (what glBlitFramebuffer and GLX take);
// all zero when nothing of it is inside.
FrameRegion gl_region(const FrameRegion& region, FrameSize size);

class GlContext {
public:
    virtual ~GlContext() = default;
    GlContext(const GlContext&) = delete;
    GlContext& operator=(const GlContext&) = delete;

    virtual void make_current() = 0;
    virtual bool should_close() const = 0;
    virtual void request_close() = 0;
    virtual void poll_events() = 0;
    // Binds the frame's target, an offscreen framebuffer that keeps its pixels between frames, sized to the
    // framebuffer, and sets the viewport to it. Returns true when its pixels are undefined (first frame, resize):
    // then the frame must draw everything; otherwise it may redraw only what changed.
    bool begin_frame();
    // Presents the frame; `changed` lists the regions drawn since the last present (empty: none). A window shows
    // them: on a software rasteriser with GLX_MESA_copy_sub_buffer only those regions are copied to the screen
    // (a whole-window copy per frame costs the CPU that training needs); elsewhere the whole frame is copied to
    // the back buffer and swapped (with vsync). It presents everything when the window system asked (exposed,
    // resized). Headless flushes. Nothing changed and nothing asked: the screen keeps the last frame.
    virtual void end_frame(const std::vector<FrameRegion>& changed) = 0;
    void end_frame(bool changed = true);  // the whole frame, or nothing
    virtual FrameSize framebuffer_size() const = 0;  // pixels
    virtual FrameSize window_size() const = 0;       // logical units (equal to pixels headless)
    virtual float content_scale() const = 0;         // monitor DPI scale (1 headless)
    unsigned framebuffer_object() const;             // the retained framebuffer the frames draw into
    virtual GLFWwindow* glfw_window() const { return nullptr; }
    virtual void set_title(const std::string&) {}
    ContextKind kind() const { return m_kind; }
    const GlInfo& info() const { return m_info; }

    // The last drawn frame as top-down RGBA8 rows (w * h * 4 bytes). Call after begin_frame's drawing.
    std::vector<uint8_t> read_pixels() const;

protected:
    explicit GlContext(ContextKind kind) : m_kind(kind) {}
    // Loads GL entry points with glad and checks the version; throws RenderError naming what was found.
    void load_gl(void* (*get_proc)(const char*), const std::string& platform);

    // Derived destructors call this first, with their context current: the framebuffer's GL names go.
    void release_frame();
    void blit_frame_to(unsigned target) const;  // the window's present: the retained frame to its back buffer
    void blit_region_to(unsigned target, const FrameRegion& region) const;  // one region of it, clipped

    ContextKind m_kind;
    GlInfo m_info;

private:
    RetainedFramebuffer m_frame;
};

// Throws RenderError with a clear message: no display (suggests --headless), no EGL, GL too old (names it).
std::unique_ptr<GlContext> create_context(const ContextOptions& options);

// True when a window could be opened: DISPLAY or WAYLAND_DISPLAY is set.
bool display_available();

// Writes top-down RGBA8 rows to PNG atomically (temp file + rename); throws RenderError naming the file.
void write_png_rgba(const std::string& path, const uint8_t* rgba, int width, int height);
// Reads a PNG (any channel count) as RGBA8 rows; throws RenderError naming the file. For tests and tools.
std::vector<uint8_t> read_png_rgba(const std::string& path, int& width, int& height);

}  // namespace ganscope
