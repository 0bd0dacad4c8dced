// GL error checking: every GL call that can fail goes through GANSCOPE_GL_CHECK. GL thread only.
#pragma once

#include <stdexcept>
#include <string>

#include <glad/gl.h>

namespace ganscope {

// Thrown for unusable GL/EGL/CUDA-interop state: what() names the call or value and what to do.
struct RenderError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws RenderError naming the GL error, the expression and where, when glGetError reports one.
void check_gl_error(const char* expression, const char* file, int line);
const char* gl_error_name(GLenum error);

}  // namespace ganscope

#define GANSCOPE_GL_CHECK(expr)                                   \
    do {                                                          \
        expr;                                                     \
        ::ganscope::check_gl_error(#expr, __FILE__, __LINE__);    \
    } while (0)
