// The headless GlContext: EGL without a surface, drawing into an FBO. On NVIDIA the EGL device that is the
// chosen CUDA device; elsewhere Mesa's surfaceless platform. GL thread only.
#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <string>
#include <vector>

#include "render/gl_check.h"
#include "render/gl_context.h"

namespace ganscope {
namespace {

std::string egl_error_name(EGLint error) {
    switch (error) {
        case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
        case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
        case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
        case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
        case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
        case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
        case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
        case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
        default: return "EGL error " + std::to_string(error);
    }
}

bool has_extension(const char* list, const char* name) {
    if (!list) return false;
    std::string all = std::string(" ") + list + " ";
    return all.find(std::string(" ") + name + " ") != std::string::npos;
}

// The EGL display of the NVIDIA device whose CUDA ordinal is `cuda_device`, or EGL_NO_DISPLAY.
EGLDisplay device_display(int cuda_device, std::string& platform) {
    const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!has_extension(client, "EGL_EXT_device_enumeration") && !has_extension(client, "EGL_EXT_device_base"))
        return EGL_NO_DISPLAY;
    auto query_devices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
    auto query_attrib = reinterpret_cast<PFNEGLQUERYDEVICEATTRIBEXTPROC>(eglGetProcAddress("eglQueryDeviceAttribEXT"));
    auto query_string = reinterpret_cast<PFNEGLQUERYDEVICESTRINGEXTPROC>(eglGetProcAddress("eglQueryDeviceStringEXT"));
    auto get_display =
        reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (!query_devices || !query_attrib || !get_display) return EGL_NO_DISPLAY;
    EGLint count = 0;
    if (!query_devices(0, nullptr, &count) || count <= 0) return EGL_NO_DISPLAY;
    std::vector<EGLDeviceEXT> devices(count);
    query_devices(count, devices.data(), &count);
    for (EGLint i = 0; i < count; ++i) {
        const char* exts = query_string ? query_string(devices[i], EGL_EXTENSIONS) : nullptr;
        if (!has_extension(exts, "EGL_NV_device_cuda")) continue;
        EGLAttrib ordinal = -1;
        if (!query_attrib(devices[i], EGL_CUDA_DEVICE_NV, &ordinal) || ordinal != cuda_device) continue;
        EGLDisplay display = get_display(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
        if (display != EGL_NO_DISPLAY) {
            platform = "EGL device " + std::to_string(i) + " (CUDA " + std::to_string(cuda_device) + ")";
            return display;
        }
    }
    return EGL_NO_DISPLAY;
}

EGLDisplay surfaceless_display(std::string& platform) {
    const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    auto get_display =
        reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (!get_display || !has_extension(client, "EGL_MESA_platform_surfaceless")) return EGL_NO_DISPLAY;
    platform = "EGL surfaceless (Mesa)";
    return get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
}

class EglContext final : public GlContext {
public:
    explicit EglContext(const ContextOptions& options) : GlContext(ContextKind::Headless) {
        std::string platform;
        std::vector<std::string> tried;
        if (options.cuda_device >= 0) {
            m_display = device_display(options.cuda_device, platform);
            if (m_display == EGL_NO_DISPLAY || !eglInitialize(m_display, nullptr, nullptr)) {
                tried.push_back("EGL device of CUDA " + std::to_string(options.cuda_device));
                m_display = EGL_NO_DISPLAY;
            }
        }
        if (m_display == EGL_NO_DISPLAY) {
            m_display = surfaceless_display(platform);
            if (m_display == EGL_NO_DISPLAY || !eglInitialize(m_display, nullptr, nullptr)) {
                tried.push_back("Mesa surfaceless");
                m_display = EGL_NO_DISPLAY;
            }
        }
        if (m_display == EGL_NO_DISPLAY && options.cuda_device < 0) {
            m_display = device_display(0, platform);  // an NVIDIA machine without a CUDA preference
            if (m_display != EGL_NO_DISPLAY && !eglInitialize(m_display, nullptr, nullptr)) m_display = EGL_NO_DISPLAY;
            if (m_display == EGL_NO_DISPLAY) tried.push_back("first EGL device");
        }
        if (m_display == EGL_NO_DISPLAY) {
            std::string list;
            for (auto& t : tried) list += (list.empty() ? "" : ", ") + t;
            throw RenderError("no headless EGL display (tried " + list +
                              "); install Mesa's EGL (apt install libegl-mesa0 libgl1-mesa-dri) or an NVIDIA driver");
        }
        if (!eglBindAPI(EGL_OPENGL_API))
            throw RenderError("EGL on " + platform + " cannot bind desktop OpenGL: " + egl_error_name(eglGetError()));
        const EGLint config_attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
        EGLConfig config = nullptr;
        EGLint configs = 0;
        eglChooseConfig(m_display, config_attribs, &config, 1, &configs);
        const int versions[][2] = {{4, 5}, {4, 1}, {3, 3}};
        for (auto& v : versions) {
            const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, v[0], EGL_CONTEXT_MINOR_VERSION, v[1],
                                      EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
            m_context = eglCreateContext(m_display, configs > 0 ? config : EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
            if (m_context != EGL_NO_CONTEXT) break;
        }
        if (m_context == EGL_NO_CONTEXT)
            throw RenderError("EGL on " + platform + " could not create an OpenGL 3.3 core context: " +
                              egl_error_name(eglGetError()) + "; update Mesa or the GPU driver");
        make_current();
        load_gl(reinterpret_cast<void* (*)(const char*)>(eglGetProcAddress), platform);
        m_info.present = "none (headless: the retained framebuffer is the frame)";
        resize(options.width, options.height);
    }

    ~EglContext() override {
        if (m_display == EGL_NO_DISPLAY) return;
        if (m_context != EGL_NO_CONTEXT) {
            eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, m_context);
            release_frame();
            eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
            eglDestroyContext(m_display, m_context);
        }
        // Not eglTerminate: Mesa's display is shared process-wide and a second context may still use it.
    }

    void make_current() override {
        if (!eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, m_context))
            throw RenderError("eglMakeCurrent failed: " + egl_error_name(eglGetError()));
    }
    bool should_close() const override { return m_close; }
    void request_close() override { m_close = true; }
    void poll_events() override {}
    void end_frame(const std::vector<FrameRegion>& changed) override {
        if (!changed.empty()) GANSCOPE_GL_CHECK(glFlush());  // no screen: the frame stays in the retained framebuffer
    }
    FrameSize framebuffer_size() const override { return m_size; }
    FrameSize window_size() const override { return m_size; }
    float content_scale() const override { return 1.0f; }

    void resize(int width, int height) {
        if (width <= 0 || height <= 0)
            throw RenderError("headless frame size " + std::to_string(width) + "x" + std::to_string(height) +
                              " is not positive; pass a size such as 1280x800");
        m_size = {width, height};
        begin_frame();  // allocates the framebuffer now, so a size the driver refuses fails at start-up
    }

private:
    EGLDisplay m_display = EGL_NO_DISPLAY;
    EGLContext m_context = EGL_NO_CONTEXT;
    FrameSize m_size;
    bool m_close = false;
};

}  // namespace

std::unique_ptr<GlContext> create_egl_context(const ContextOptions& options) {
    return std::make_unique<EglContext>(options);
}

}  // namespace ganscope
