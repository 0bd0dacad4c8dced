// RetainedFramebuffer (see framebuffer.h). GL thread only.
#include "render/framebuffer.h"

#include <string>

#include "render/gl_check.h"

namespace ganscope {

RetainedFramebuffer::~RetainedFramebuffer() = default;  // GL names go in release(), called with the context current

void RetainedFramebuffer::release() {
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_color) glDeleteRenderbuffers(1, &m_color);
    m_fbo = m_color = 0;
    m_width = m_height = 0;
}

bool RetainedFramebuffer::resize(int width, int height) {
    if (width <= 0 || height <= 0)
        throw RenderError("framebuffer size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is not positive; pass a size such as 1280x800");
    if (m_fbo && m_width == width && m_height == height) return false;
    if (!m_fbo) GANSCOPE_GL_CHECK(glGenFramebuffers(1, &m_fbo));
    if (!m_color) GANSCOPE_GL_CHECK(glGenRenderbuffers(1, &m_color));
    GANSCOPE_GL_CHECK(glBindRenderbuffer(GL_RENDERBUFFER, m_color));
    GANSCOPE_GL_CHECK(glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height));
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, m_fbo));
    GANSCOPE_GL_CHECK(glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, m_color));
    GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    if (status != GL_FRAMEBUFFER_COMPLETE)
        throw RenderError("framebuffer " + std::to_string(width) + "x" + std::to_string(height) +
                          " is incomplete (status " + std::to_string(status) + "); try a smaller window");
    m_width = width;
    m_height = height;
    return true;
}

void RetainedFramebuffer::blit_to(unsigned target, int x, int y, int width, int height) const {
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, m_fbo));
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_DRAW_FRAMEBUFFER, target));
    GANSCOPE_GL_CHECK(glBlitFramebuffer(x, y, x + width, y + height, x, y, x + width, y + height,
                                        GL_COLOR_BUFFER_BIT, GL_NEAREST));
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, m_fbo));
}

}  // namespace ganscope
