// GL error checking (see gl_check.h). GL thread only.
#include "render/gl_check.h"

namespace ganscope {

const char* gl_error_name(GLenum error) {
    switch (error) {
        case GL_INVALID_ENUM: return "GL_INVALID_ENUM";
        case GL_INVALID_VALUE: return "GL_INVALID_VALUE";
        case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION";
        case GL_INVALID_FRAMEBUFFER_OPERATION: return "GL_INVALID_FRAMEBUFFER_OPERATION";
        case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY";
        case GL_STACK_OVERFLOW: return "GL_STACK_OVERFLOW";
        case GL_STACK_UNDERFLOW: return "GL_STACK_UNDERFLOW";
        default: return "unknown GL error";
    }
}

void check_gl_error(const char* expression, const char* file, int line) {
    GLenum error = glGetError();
    if (error == GL_NO_ERROR) return;
    std::string message = std::string(gl_error_name(error)) + " from " + expression + " at " + file + ":" +
                          std::to_string(line);
    // Drain the queue so one failure is not reported again by the next unrelated call.
    while (glGetError() != GL_NO_ERROR) {
    }
    throw RenderError(message + " (a GL driver or usage problem; run with a newer driver or report it)");
}

}  // namespace ganscope
