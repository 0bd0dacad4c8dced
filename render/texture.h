// An RGBA8 GL texture filled from host memory through a pixel-buffer object (the CPU face; the CUDA face is
// cuda_interop.h). GL thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ganscope {

class Texture {
public:
    Texture() = default;
    ~Texture();
    Texture(Texture&& other) noexcept;
    Texture& operator=(Texture&& other) noexcept;
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;

    // (Re)allocates RGBA8 storage when the size changes. Returns true when storage was (re)created, so a CUDA
    // registration of the old storage must be dropped.
    bool allocate(int width, int height);
    // Top-down RGBA8 rows, width * height * 4 bytes.
    void upload_rgba8(const uint8_t* rgba, int width, int height);
    // Planar C x H x W floats in [-1, 1] (C = 1 gray or 3 RGB), as generators produce them; converted while
    // writing into the mapped pixel buffer, so there is one pass over the data.
    void upload_chw(const float* chw, int channels, int height, int width);
    // Reads the texture back as top-down RGBA8 rows (tests, screenshots of one panel).
    std::vector<uint8_t> read_rgba8() const;

    unsigned id() const { return m_texture; }
    int width() const { return m_width; }
    int height() const { return m_height; }
    bool empty() const { return m_texture == 0 || m_width == 0; }
    uint64_t updates() const { return m_updates; }  // counts uploads; the CUDA face bumps it too
    void mark_updated();                             // the pixels changed (an upload, or the CUDA face's copy)

private:
    void release();
    uint8_t* map_pbo(size_t bytes);
    void unmap_pbo_to_texture();

    unsigned m_texture = 0;
    unsigned m_pbo = 0;
    int m_width = 0, m_height = 0;
    uint64_t m_updates = 0;
};

// A number that changes whenever the pixels of the live texture with this GL name change (uploads, new storage):
// what lets the window redraw only the parts of the screen whose images changed. 0 for names that are not a
// Texture's (ImGui's font atlas). GL thread only.
uint64_t texture_version(unsigned id);

// [-1, 1] -> [0, 255] rounded and clamped: the one conversion both faces (CPU and CUDA kernel) use.
inline uint8_t unit_to_byte(float v) {
    float s = (v + 1.0f) * 127.5f + 0.5f;
    return s <= 0.0f ? 0 : s >= 255.0f ? 255 : uint8_t(s);
}

}  // namespace ganscope
