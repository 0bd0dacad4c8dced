// FrameGrabber on a headless EGL (Mesa surfaceless) context: frames drawn into an FBO arrive in the video in
// order, upright, at the chosen rate. Main thread (the GL thread of this test).
#include <doctest/doctest.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <glad/gl.h>

#include <filesystem>
#include <string>

#include <stb/stb_image.h>  // render links libstb; its include folder is private to it

#include "render/frame_grabber.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

// A surfaceless GL 3.3 core context, current on this thread; an empty reason when it worked.
struct HeadlessGl {
    EGLDisplay display = EGL_NO_DISPLAY;
    EGLContext context = EGL_NO_CONTEXT;
    std::string reason;

    HeadlessGl() {
        auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
        if (!get_display) {
            reason = "eglGetPlatformDisplayEXT missing";
            return;
        }
        display = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
        if (display == EGL_NO_DISPLAY || !eglInitialize(display, nullptr, nullptr) || !eglBindAPI(EGL_OPENGL_API)) {
            reason = "no surfaceless EGL display";
            return;
        }
        const EGLint config_attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
        EGLConfig config;
        EGLint count = 0;
        eglChooseConfig(display, config_attribs, &config, 1, &count);
        const EGLint ctx_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                                      EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
        context = eglCreateContext(display, count > 0 ? config : EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, ctx_attribs);
        if (context == EGL_NO_CONTEXT || !eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context) ||
            !gladLoadGL(reinterpret_cast<GLADloadfunc>(eglGetProcAddress))) {
            reason = "cannot create a GL 3.3 core context";
        }
    }
    ~HeadlessGl() {
        if (context != EGL_NO_CONTEXT) {
            eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
            eglDestroyContext(display, context);
        }
        if (display != EGL_NO_DISPLAY) eglTerminate(display);
    }
};

}  // namespace

TEST_CASE("FrameGrabber: asynchronous read-back records drawn frames upright, in order, at the chosen rate") {
    HeadlessGl gl;
    REQUIRE_MESSAGE(gl.reason.empty(), gl.reason);
    const int w = 40, h = 30;
    GLuint fbo = 0, rbo = 0;
    glGenFramebuffers(1, &fbo);
    glGenRenderbuffers(1, &rbo);
    glBindRenderbuffer(GL_RENDERBUFFER, rbo);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, w, h);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rbo);
    REQUIRE(glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE);

    fs::path dir = fs::path(GANSCOPE_BINARY_DIR) / "test-work" / "render" / "grabber";
    fs::remove_all(dir);
    VideoOptions options;
    options.path = dir.string() + "/";
    options.format = VideoFormat::PngSequence;
    options.when_full = QueueFull::Wait;
    VideoWriter writer(options);
    int captured = 0;
    {
        FrameGrabber grabber(writer, 10.0);  // 10 fps while the "window" draws at 60
        for (int frame = 0; frame < 60; ++frame) {
            // Bottom half green, top half red with blue = frame index: orientation and order both show.
            glDisable(GL_SCISSOR_TEST);
            glClearColor(0.0f, 1.0f, 0.0f, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            glEnable(GL_SCISSOR_TEST);
            glScissor(0, h / 2, w, h - h / 2);
            glClearColor(1.0f, 0.0f, float(frame) / 255.0f, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            glDisable(GL_SCISSOR_TEST);
            captured += grabber.capture(w, h, frame / 60.0);
        }
        grabber.finish();
        CHECK(grabber.frames_skipped_busy() == 0);
    }
    VideoStatus status = writer.finish();
    CHECK(captured == 10);
    REQUIRE(status.frames_written == 10);
    for (int i = 0; i < 10; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", i);
        int iw = 0, ih = 0, c = 0;
        stbi_uc* px = stbi_load((dir / name).c_str(), &iw, &ih, &c, 3);
        REQUIRE(px != nullptr);
        CHECK(iw == w);
        CHECK(ih == h);
        const stbi_uc* top = px + (2 * w + 5) * 3;
        const stbi_uc* bottom = px + ((h - 3) * w + 5) * 3;
        CHECK(top[0] == 255);     // red on top: rows were flipped to video order
        CHECK(bottom[1] == 255);  // green below
        CHECK(int(top[2]) == i * 6);  // frames 0, 6, 12, ...: one every 1/10 s of a 60 Hz clock, in order
        stbi_image_free(px);
    }
    glDeleteFramebuffers(1, &fbo);
    glDeleteRenderbuffers(1, &rbo);
}
