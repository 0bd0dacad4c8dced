// Texture (see texture.h): PBO uploads and read-back. GL thread only.
#include "render/texture.h"

#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#include "render/gl_check.h"

namespace ganscope {
namespace {

// GL name -> version of its pixels. Versions come from one counter, so a name reused after a delete never
// repeats an old version.
std::unordered_map<unsigned, uint64_t>& version_table() {
    static std::unordered_map<unsigned, uint64_t> table;
    return table;
}
uint64_t g_last_version = 0;

}  // namespace

uint64_t texture_version(unsigned id) {
    auto it = version_table().find(id);
    return it == version_table().end() ? 0 : it->second;
}

void Texture::mark_updated() {
    ++m_updates;
    version_table()[m_texture] = ++g_last_version;
}

Texture::~Texture() { release(); }

Texture::Texture(Texture&& other) noexcept { *this = std::move(other); }

Texture& Texture::operator=(Texture&& other) noexcept {
    if (this != &other) {
        release();
        std::swap(m_texture, other.m_texture);
        std::swap(m_pbo, other.m_pbo);
        std::swap(m_width, other.m_width);
        std::swap(m_height, other.m_height);
        std::swap(m_updates, other.m_updates);
    }
    return *this;
}

void Texture::release() {
    // No check macro: destruction must not throw, and a context torn down first makes these no-ops.
    if (m_pbo) glDeleteBuffers(1, &m_pbo);
    if (m_texture) glDeleteTextures(1, &m_texture);
    if (m_texture) version_table().erase(m_texture);
    m_pbo = m_texture = 0;
    m_width = m_height = 0;
}

bool Texture::allocate(int width, int height) {
    if (width <= 0 || height <= 0)
        throw RenderError("texture size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is not positive");
    if (m_texture && width == m_width && height == m_height) return false;
    if (!m_texture) GANSCOPE_GL_CHECK(glGenTextures(1, &m_texture));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, m_texture));
    GANSCOPE_GL_CHECK(glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr));
    // Nearest when magnified: generated images are small and their pixels are what people want to see.
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE));
    GANSCOPE_GL_CHECK(glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE));
    m_width = width;
    m_height = height;
    version_table()[m_texture] = ++g_last_version;  // new storage: undefined pixels until the upload
    return true;
}

uint8_t* Texture::map_pbo(size_t bytes) {
    if (!m_pbo) GANSCOPE_GL_CHECK(glGenBuffers(1, &m_pbo));
    GANSCOPE_GL_CHECK(glBindBuffer(GL_PIXEL_UNPACK_BUFFER, m_pbo));
    // Orphan the old store so the driver need not wait for a texture upload still reading it.
    GANSCOPE_GL_CHECK(glBufferData(GL_PIXEL_UNPACK_BUFFER, GLsizeiptr(bytes), nullptr, GL_STREAM_DRAW));
    void* ptr = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, GLsizeiptr(bytes),
                                 GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    check_gl_error("glMapBufferRange(GL_PIXEL_UNPACK_BUFFER)", __FILE__, __LINE__);
    if (!ptr) throw RenderError("could not map a pixel buffer of " + std::to_string(bytes) + " bytes");
    return static_cast<uint8_t*>(ptr);
}

void Texture::unmap_pbo_to_texture() {
    GANSCOPE_GL_CHECK(glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER));
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ALIGNMENT, 1));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_UNPACK_ROW_LENGTH, 0));
    GANSCOPE_GL_CHECK(glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, m_width, m_height, GL_RGBA, GL_UNSIGNED_BYTE, nullptr));
    GANSCOPE_GL_CHECK(glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0));
    mark_updated();
}

void Texture::upload_rgba8(const uint8_t* rgba, int width, int height) {
    allocate(width, height);
    size_t bytes = size_t(width) * height * 4;
    std::memcpy(map_pbo(bytes), rgba, bytes);
    unmap_pbo_to_texture();
}

void Texture::upload_chw(const float* chw, int channels, int height, int width) {
    if (channels != 1 && channels != 3)
        throw RenderError("cannot show an image with " + std::to_string(channels) +
                          " channels; expected 1 (gray) or 3 (RGB)");
    allocate(width, height);
    size_t plane = size_t(width) * height;
    uint8_t* out = map_pbo(plane * 4);
    const float* r = chw;
    const float* g = channels == 3 ? chw + plane : chw;
    const float* b = channels == 3 ? chw + 2 * plane : chw;
    for (size_t i = 0; i < plane; ++i) {
        out[4 * i + 0] = unit_to_byte(r[i]);
        out[4 * i + 1] = unit_to_byte(g[i]);
        out[4 * i + 2] = unit_to_byte(b[i]);
        out[4 * i + 3] = 255;
    }
    unmap_pbo_to_texture();
}

std::vector<uint8_t> Texture::read_rgba8() const {
    std::vector<uint8_t> pixels(size_t(m_width) * m_height * 4);
    if (pixels.empty()) return pixels;
    GANSCOPE_GL_CHECK(glBindTexture(GL_TEXTURE_2D, m_texture));
    GANSCOPE_GL_CHECK(glPixelStorei(GL_PACK_ALIGNMENT, 1));
    GANSCOPE_GL_CHECK(glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data()));
    return pixels;
}

}  // namespace ganscope
