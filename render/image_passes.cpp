// DisplayPass and GridPass (see image_passes.h): shaders/display.frag and grid.frag into a texture through a
// framebuffer. GL thread only.
#include "render/image_passes.h"

#include <algorithm>
#include <string>

#include "render/gl_check.h"

namespace ganscope {

int GridLayout::cell_at(float x, float y) const {
    if (columns <= 0 || cell_width <= 0 || cell_height <= 0 || x < padding || y < padding) return -1;
    const float px = float(cell_width + padding), py = float(cell_height + padding);
    const int col = int((x - padding) / px), row = int((y - padding) / py);
    const float in_x = x - padding - col * px, in_y = y - padding - row * py;
    if (in_x >= cell_width || in_y >= cell_height || col >= columns) return -1;
    const int index = row * columns + col;
    return index < count ? index : -1;
}

GridView GridView::fitted(const GridLayout& layout, int width, int height) {
    GridView view;
    view.width = width;
    view.height = height;
    const float gw = float(std::max(1, layout.width())), gh = float(std::max(1, layout.height()));
    view.zoom = std::max(1e-3f, std::min(width / gw, height / gh));
    view.offset_x = (gw - width / view.zoom) / 2;  // centred: negative offsets are gutter around the grid
    view.offset_y = (gh - height / view.zoom) / 2;
    return view;
}

ColorMapTexture::ColorMapTexture(const ColorMap& map) : m_map(map) {
    GANSCOPE_GL_CHECK(glGenTextures(1, &m_texture));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ALIGNMENT, 4));
    GANSCOPE_GL_CHECK(glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB32F, map.size, 1, 0, GL_RGB, GL_FLOAT, map.rgb));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE));
}

ColorMapTexture::~ColorMapTexture() {
    if (m_texture) glDeleteTextures(1, &m_texture);  // no check: destruction must not throw
}

CellScores::~CellScores() {
    if (m_texture) glDeleteTextures(1, &m_texture);  // no check: destruction must not throw
}

void CellScores::upload(const std::vector<float>& scores) {
    if (scores.empty()) throw RenderError("no cell scores to upload");
    GLint bound = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &bound);
    if (!m_texture) GANSCOPE_GL_CHECK(glGenTextures(1, &m_texture));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ALIGNMENT, 4));
    GANSCOPE_GL_CHECK(glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, GLsizei(scores.size()), 1, 0, GL_RED, GL_FLOAT,
                                   scores.data()));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, GLuint(bound)));
    m_count = int(scores.size());
    ++m_updates;
}

ImagePass::~ImagePass() {
    // No check macro: destruction must not throw, and a context torn down first makes these no-ops.
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_vao) glDeleteVertexArrays(1, &m_vao);
}

void ImagePass::begin(const ShaderProgram& program, const FloatImages& images, Texture& target, int width,
                      int height) {
    if (images.empty()) throw RenderError("nothing to draw: the float images have no storage yet");
    int* s = m_saved;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &s[0]);
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &s[1]);
    glGetIntegerv(GL_VIEWPORT, &s[2]);  // 4 values
    glGetIntegerv(GL_CURRENT_PROGRAM, &s[6]);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &s[7]);
    glGetIntegerv(GL_ACTIVE_TEXTURE, &s[8]);
    glActiveTexture(GL_TEXTURE0);
    glGetIntegerv(GL_TEXTURE_BINDING_2D_ARRAY, &s[9]);
    glGetIntegerv(GL_SAMPLER_BINDING, &s[10]);
    glActiveTexture(GL_TEXTURE1);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &s[16]);
    glActiveTexture(GL_TEXTURE2);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &s[17]);
    glActiveTexture(GL_TEXTURE3);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &s[18]);
    glActiveTexture(GL_TEXTURE0);
    s[11] = glIsEnabled(GL_SCISSOR_TEST);
    s[12] = glIsEnabled(GL_BLEND);
    s[13] = glIsEnabled(GL_DEPTH_TEST);
    s[14] = glIsEnabled(GL_CULL_FACE);
    s[15] = glIsEnabled(GL_FRAMEBUFFER_SRGB);

    target.allocate(width, height);
    if (!m_fbo) GANSCOPE_GL_CHECK(glGenFramebuffers(1, &m_fbo));
    if (!m_vao) GANSCOPE_GL_CHECK(glGenVertexArrays(1, &m_vao));
    GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, m_fbo));
    GANSCOPE_GL_CHECK(glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, target.id(), 0));
    GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    if (status != GL_FRAMEBUFFER_COMPLETE) {
        restore();
        throw RenderError("a " + std::to_string(width) + "x" + std::to_string(height) +
                          " texture is not a complete framebuffer here (status " + std::to_string(status) + ")");
    }
    glViewport(0, 0, width, height);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_BLEND);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glDisable(GL_FRAMEBUFFER_SRGB);  // the values are sRGB-encoded already
    glUseProgram(program.id());
    glBindVertexArray(m_vao);
    glBindTexture(GL_TEXTURE_2D_ARRAY, images.id());
    glBindSampler(0, 0);  // the texture's own filtering (ImGui's backend binds a linear sampler object)
    check_gl_error("setting up a shader pass", __FILE__, __LINE__);
}

void ImagePass::end(Texture& target) {
    glDrawArrays(GL_TRIANGLES, 0, 3);
    const GLenum draw_error = glGetError();
    restore();
    if (draw_error != GL_NO_ERROR)
        throw RenderError(std::string(gl_error_name(draw_error)) + " from glDrawArrays of a shader pass");
    target.mark_updated();
}

void ImagePass::restore() {
    const int* s = m_saved;
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, GLuint(s[0]));
    glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(s[1]));
    glViewport(s[2], s[3], s[4], s[5]);
    glUseProgram(GLuint(s[6]));
    glBindVertexArray(GLuint(s[7]));
    glBindTexture(GL_TEXTURE_2D_ARRAY, GLuint(s[9]));
    glBindSampler(0, GLuint(s[10]));
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, GLuint(s[16]));
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, GLuint(s[17]));
    glActiveTexture(GL_TEXTURE3);
    glBindTexture(GL_TEXTURE_2D, GLuint(s[18]));
    glActiveTexture(GLenum(s[8]));
    auto enable = [](GLenum cap, int on) { on ? glEnable(cap) : glDisable(cap); };
    enable(GL_SCISSOR_TEST, s[11]);
    enable(GL_BLEND, s[12]);
    enable(GL_DEPTH_TEST, s[13]);
    enable(GL_CULL_FACE, s[14]);
    enable(GL_FRAMEBUFFER_SRGB, s[15]);
    check_gl_error("restoring the GL state after a shader pass", __FILE__, __LINE__);
}

DisplayPass::DisplayPass() : m_program("fullscreen.vert", "display.frag") {
    m_image = m_program.uniform("u_image");
    m_layer = m_program.uniform("u_layer");
    m_channels = m_program.uniform("u_channels");
    m_height = m_program.uniform("u_height");
}

void DisplayPass::draw(const FloatImages& images, int layer, Texture& target) {
    if (layer < 0 || layer >= images.count())
        throw RenderError("image " + std::to_string(layer) + " of " + std::to_string(images.count()));
    begin(m_program, images, target, images.width(), images.height());
    glUniform1i(m_image, 0);
    glUniform1i(m_layer, layer);
    glUniform1i(m_channels, images.channels());
    glUniform1i(m_height, images.height());
    end(target);
}

GridPass::GridPass() { variant({}); }

GridPass::~GridPass() {
    if (m_linear) glDeleteSamplers(1, &m_linear);  // no check: destruction must not throw
}

std::vector<std::string> GridPass::variant_of(const FloatImages& images, const GridView& view) {
    std::vector<std::string> defines;  // sorted: the variants' key
    if (view.color_map) defines.push_back("MAPPED");
    else if (images.channels() == 1) defines.push_back("GRAY");
    if (view.zoom < 1) defines.push_back("MINIFIED");
    if (view.zoom >= view.pixel_grid_from) defines.push_back("PIXEL_GRID");
    if (view.scores) defines.push_back("SCORED");
    std::sort(defines.begin(), defines.end());
    return defines;
}

const ShaderProgram& GridPass::variant(const std::vector<std::string>& defines) {
    auto it = m_variants.find(defines);
    if (it == m_variants.end()) it = m_variants.emplace(defines, ShaderProgram("fullscreen.vert", "grid.frag", defines)).first;
    return it->second;
}

void GridPass::draw(const FloatImages& images, const GridLayout& layout, const GridView& view, Texture& target) {
    if (layout.cell_width != images.width() || layout.cell_height != images.height() ||
        layout.count > images.count())
        throw RenderError("a grid of " + std::to_string(layout.count) + " cells of " +
                          std::to_string(layout.cell_width) + "x" + std::to_string(layout.cell_height) +
                          " does not match " + std::to_string(images.count()) + " images of " +
                          std::to_string(images.width()) + "x" + std::to_string(images.height()));
    if (view.color_map && images.channels() != 1)
        throw RenderError("a colour map shows one-channel images; these have " + std::to_string(images.channels()));
    if (view.color_map && !(view.high > view.low))
        throw RenderError("a colour map's range " + std::to_string(view.low) + " .. " + std::to_string(view.high) +
                          " is empty");
    if (view.zoom <= 0) throw RenderError("grid zoom " + std::to_string(view.zoom) + " is not positive");
    if (view.scores && (!view.score_map || !(view.score_high > view.score_low)))
        throw RenderError("cell scores need a colour map and a range (" + std::to_string(view.score_low) + " .. " +
                          std::to_string(view.score_high) + ")");
    const ShaderProgram& program = variant(variant_of(images, view));
    auto u = [&](const char* name) { return program.uniform_if_active(name); };
    begin(program, images, target, view.width, view.height);
    glUniform1i(u("u_images"), 0);
    if (view.zoom < 1) {  // the MINIFIED variant's bilinear taps (the array's own filter is nearest)
        if (!m_linear) {
            GANSCOPE_GL_CHECK(glGenSamplers(1, &m_linear));
            glSamplerParameteri(m_linear, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
            glSamplerParameteri(m_linear, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
            glSamplerParameteri(m_linear, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
            glSamplerParameteri(m_linear, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        }
        glBindSampler(0, m_linear);
    }
    glUniform1i(u("u_count"), layout.count);
    glUniform1i(u("u_columns"), layout.columns);
    glUniform1i(u("u_padding"), layout.padding);
    glUniform2i(u("u_cell"), layout.cell_width, layout.cell_height);
    glUniform1i(u("u_channels"), images.channels());
    glUniform1f(u("u_zoom"), view.zoom);
    glUniform2f(u("u_offset"), view.offset_x, view.offset_y);
    glUniform1i(u("u_hover"), view.hover);
    glUniform1f(u("u_frame"), view.frame_px);
    glUniform4fv(u("u_background"), 1, view.background);
    glUniform4fv(u("u_highlight"), 1, view.highlight);
    glUniform1i(u("u_lut"), 1);
    glUniform2f(u("u_range"), view.low, view.high);
    glUniform1i(u("u_scores"), 2);
    glUniform1i(u("u_score_lut"), 3);
    glUniform2f(u("u_score_range"), view.score_low, view.score_high);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, view.color_map);
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, view.scores);
    glActiveTexture(GL_TEXTURE3);
    glBindTexture(GL_TEXTURE_2D, view.score_map);
    glActiveTexture(GL_TEXTURE0);
    end(target);
}

}  // namespace ganscope
