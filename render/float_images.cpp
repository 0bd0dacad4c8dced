// FloatImages (see float_images.h): immutable R32F array storage, PBO uploads. GL thread only.
#include "render/float_images.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "render/gl_check.h"

namespace ganscope {

FloatImages::~FloatImages() { release(); }

FloatImages::FloatImages(FloatImages&& other) noexcept { *this = std::move(other); }

FloatImages& FloatImages::operator=(FloatImages&& other) noexcept {
    if (this != &other) {
        release();
        std::swap(m_texture, other.m_texture);
        std::swap(m_pbo, other.m_pbo);
        std::swap(m_count, other.m_count);
        std::swap(m_channels, other.m_channels);
        std::swap(m_height, other.m_height);
        std::swap(m_width, other.m_width);
        std::swap(m_updates, other.m_updates);
    }
    return *this;
}

void FloatImages::release() {
    // No check macro: destruction must not throw, and a context torn down first makes these no-ops.
    if (m_pbo) glDeleteBuffers(1, &m_pbo);
    if (m_texture) glDeleteTextures(1, &m_texture);
    m_pbo = m_texture = 0;
    m_count = m_channels = m_height = m_width = 0;
}

bool FloatImages::allocate(int count, int channels, int height, int width) {
    if (count <= 0 || height <= 0 || width <= 0 || (channels != 1 && channels != 3))
        throw RenderError("cannot show " + std::to_string(count) + " images of " + std::to_string(channels) + " x " +
                          std::to_string(height) + " x " + std::to_string(width) +
                          "; expected N x C x H x W with C = 1 (gray) or 3 (RGB)");
    if (m_texture && count == m_count && channels == m_channels && height == m_height && width == m_width)
        return false;
    GLint max_layers = 0, max_size = 0;
    glGetIntegerv(GL_MAX_ARRAY_TEXTURE_LAYERS, &max_layers);
    glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_size);
    if (count > max_layers || channels * height > max_size || width > max_size)
        throw RenderError(std::to_string(count) + " images of " + std::to_string(width) + " x " +
                          std::to_string(channels * height) + " texels exceed this GL's limits (" +
                          std::to_string(max_layers) + " layers, " + std::to_string(max_size) +
                          " texels a side); show fewer or smaller images");
    // Storage is immutable (what CUDA registration wants), so a new shape is a new texture name.
    if (m_texture) glDeleteTextures(1, &m_texture);
    GANSCOPE_GL_CHECK(glGenTextures(1, &m_texture));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D_ARRAY, m_texture));
    // One level: a view smaller than 1:1 filters in the shader (grid.frag's MINIFIED taps through a linear
    // sampler object); a mip chain over 64 layers cost llvmpipe ~29 ms to build at every publish.
    GANSCOPE_GL_CHECK(glTexStorage3D(GL_TEXTURE_2D_ARRAY, 1, GL_R32F, width, channels * height, count));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MIN_FILTER, GL_NEAREST));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MAG_FILTER, GL_NEAREST));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MAX_LEVEL, 0));
    m_count = count;
    m_channels = channels;
    m_height = height;
    m_width = width;
    return true;
}

void FloatImages::upload(const float* nchw, int count, int channels, int height, int width) {
    allocate(count, channels, height, width);
    const size_t bytes = size_t(count) * channels * height * width * sizeof(float);
    if (!m_pbo) GANSCOPE_GL_CHECK(glGenBuffers(1, &m_pbo));
    GANSCOPE_GL_CHECK(glBindBuffer(GL_PIXEL_UNPACK_BUFFER, m_pbo));
    // Orphan the old store so the driver need not wait for an upload still reading it.
    GANSCOPE_GL_CHECK(glBufferData(GL_PIXEL_UNPACK_BUFFER, GLsizeiptr(bytes), nullptr, GL_STREAM_DRAW));
    void* ptr = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, GLsizeiptr(bytes),
                                 GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    check_gl_error("glMapBufferRange(GL_PIXEL_UNPACK_BUFFER)", __FILE__, __LINE__);
    if (!ptr) throw RenderError("could not map a pixel buffer of " + std::to_string(bytes) + " bytes");
    std::memcpy(ptr, nchw, bytes);
    GANSCOPE_GL_CHECK(glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D_ARRAY, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ALIGNMENT, 4));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ROW_LENGTH, 0));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_IMAGE_HEIGHT, 0));
    GANSCOPE_GL_CHECK(glTexSubImage3D(GL_TEXTURE_2D_ARRAY, 0, 0, 0, 0, width, channels * height, count, GL_RED,
                                      GL_FLOAT, nullptr));
    GANSCOPE_GL_CHECK(glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0));
    finish_external_write();
}

void FloatImages::finish_external_write() { ++m_updates; }

std::vector<float> FloatImages::read_layer(int layer) const {
    if (layer < 0 || layer >= m_count)
        throw RenderError("layer " + std::to_string(layer) + " of " + std::to_string(m_count) + " images");
    std::vector<float> all(size_t(m_count) * m_channels * m_height * m_width);
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D_ARRAY, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_PACK_ALIGNMENT, 4));
    GANSCOPE_GL_CHECK(glGetTexImage(GL_TEXTURE_2D_ARRAY, 0, GL_RED, GL_FLOAT, all.data()));
    const size_t plane = size_t(m_channels) * m_height * m_width;
    return std::vector<float>(all.begin() + layer * plane, all.begin() + (layer + 1) * plane);
}

}  // namespace ganscope
