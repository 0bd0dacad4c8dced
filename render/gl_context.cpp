// Shared GlContext pieces: GL loading and version check, pixel read-back, PNG screenshots. GL thread only.
#include "render/gl_context.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <stb_image.h>
#include <stb_image_write.h>

#include "render/gl_check.h"

namespace ganscope {

std::unique_ptr<GlContext> create_glfw_context(const ContextOptions& options);  // glfw_context.cpp
std::unique_ptr<GlContext> create_egl_context(const ContextOptions& options);   // egl_context.cpp

bool display_available() {
    const char* x11 = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    return (x11 && *x11) || (wayland && *wayland);
}

std::unique_ptr<GlContext> create_context(const ContextOptions& options) {
    if (options.kind == ContextKind::Headless) return create_egl_context(options);
    if (!display_available())
        throw RenderError(
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset): run with --headless --screenshot out.png "
            "to render offscreen, or start an X server (e.g. Xvfb :99 & export DISPLAY=:99)");
    return create_glfw_context(options);
}

void GlContext::load_gl(void* (*get_proc)(const char*), const std::string& platform) {
    int version = gladLoadGL(reinterpret_cast<GLADloadfunc>(get_proc));
    const char* found = version ? reinterpret_cast<const char*>(glGetString(GL_VERSION)) : nullptr;
    m_info.platform = platform;
    if (!version || !found)
        throw RenderError("could not load OpenGL entry points through " + platform +
                          " (is a GL driver installed? on Debian: apt install libgl1-mesa-dri)");
    m_info.major = GLAD_VERSION_MAJOR(version);
    m_info.minor = GLAD_VERSION_MINOR(version);
    m_info.version = found;
    m_info.renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    m_info.vendor = reinterpret_cast<const char*>(glGetString(GL_VENDOR));
    if (m_info.major < kMinGlMajor || (m_info.major == kMinGlMajor && m_info.minor < kMinGlMinor))
        throw RenderError("OpenGL " + std::to_string(kMinGlMajor) + "." + std::to_string(kMinGlMinor) +
                          " core is required but " + platform + " offers " + m_info.version + " (" +
                          m_info.renderer + "); update the graphics driver or use --headless (Mesa llvmpipe)");
}

bool GlContext::begin_frame() {
    FrameSize size = framebuffer_size();
    bool fresh = m_frame.resize(std::max(1, size.width), std::max(1, size.height));  // minimised: 0x0
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, m_frame.id()));
    GANSCOPE_GL_CHECK(glViewport(0, 0, m_frame.width(), m_frame.height()));
    return fresh;
}

unsigned GlContext::framebuffer_object() const { return m_frame.id(); }

void GlContext::release_frame() { m_frame.release(); }

void GlContext::blit_frame_to(unsigned target) const { m_frame.blit_to(target); }

FrameRegion gl_region(const FrameRegion& r, FrameSize size) {
    const int x0 = std::max(0, r.x), x1 = std::min(size.width, r.x + r.width);
    const int y0 = std::max(0, r.y), y1 = std::min(size.height, r.y + r.height);
    if (x1 <= x0 || y1 <= y0) return {};
    return {x0, size.height - y1, x1 - x0, y1 - y0};
}

void GlContext::blit_region_to(unsigned target, const FrameRegion& r) const {
    const FrameRegion g = gl_region(r, {m_frame.width(), m_frame.height()});
    if (g.width > 0) m_frame.blit_to(target, g.x, g.y, g.width, g.height);
}

void GlContext::end_frame(bool changed) {
    std::vector<FrameRegion> regions;
    if (changed) regions.push_back({0, 0, m_frame.width(), m_frame.height()});
    end_frame(regions);
}

std::vector<uint8_t> GlContext::read_pixels() const {
    FrameSize size{m_frame.width(), m_frame.height()};
    std::vector<uint8_t> pixels(size_t(size.width) * size.height * 4);
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer_object()));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_PACK_ALIGNMENT, 1));
    GANSCOPE_GL_CHECK(glReadPixels(0, 0, size.width, size.height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data()));
    // GL rows run bottom-up; images run top-down.
    size_t row = size_t(size.width) * 4;
    std::vector<uint8_t> tmp(row);
    for (int y = 0; y < size.height / 2; ++y) {
        uint8_t* a = pixels.data() + y * row;
        uint8_t* b = pixels.data() + (size.height - 1 - y) * row;
        std::memcpy(tmp.data(), a, row);
        std::memcpy(a, b, row);
        std::memcpy(b, tmp.data(), row);
    }
    return pixels;
}

void write_png_rgba(const std::string& path, const uint8_t* rgba, int width, int height) {
    namespace fs = std::filesystem;
    fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    std::string tmp = path + ".tmp";
    if (!stbi_write_png(tmp.c_str(), width, height, 4, rgba, width * 4)) {
        std::remove(tmp.c_str());
        throw RenderError("could not write screenshot " + path + " (is the folder writable?)");
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw RenderError("could not move screenshot into place at " + path + ": " + ec.message());
    }
}

std::vector<uint8_t> read_png_rgba(const std::string& path, int& width, int& height) {
    int channels = 0;
    unsigned char* data = stbi_load(path.c_str(), &width, &height, &channels, 4);
    if (!data)
        throw RenderError("could not read image " + path + ": " + (stbi_failure_reason() ? stbi_failure_reason() : "?"));
    std::vector<uint8_t> pixels(data, data + size_t(width) * height * 4);
    stbi_image_free(data);
    return pixels;
}

}  // namespace ganscope
