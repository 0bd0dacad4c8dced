// Generated images as the generator made them: N x C x H x W floats in [-1, 1] in one GL_TEXTURE_2D_ARRAY of R32F,
// one layer per image, its C planes of H rows stacked (W x C*H texels): the tensor's own memory layout, so a CPU
// upload is one pixel-buffer copy of the floats and the CUDA face one copy into the mapped array. The shaders
// (shaders/display.frag, grid.frag) turn them into colour. GL thread only.
#pragma once

#include <cstdint>
#include <vector>

namespace ganscope {

class FloatImages {
public:
    FloatImages() = default;
    ~FloatImages();
    FloatImages(FloatImages&& other) noexcept;
    FloatImages& operator=(FloatImages&& other) noexcept;
    FloatImages(const FloatImages&) = delete;
    FloatImages& operator=(const FloatImages&) = delete;

    // (Re)allocates immutable storage (one level: minified views filter in the shader) for this shape (C = 1 or 3). Returns true when
    // storage was (re)created, so a CUDA registration of the old storage must be dropped. Throws RenderError
    // naming a bad shape.
    bool allocate(int count, int channels, int height, int width);
    // N x C x H x W contiguous floats through a pixel-buffer object into level 0.
    void upload(const float* nchw, int count, int channels, int height, int width);
    // After the CUDA face wrote level 0: counts the update.
    void finish_external_write();
    // Reads one layer's level 0 back as W x C*H floats (tests).
    std::vector<float> read_layer(int layer) const;

    unsigned id() const { return m_texture; }
    int count() const { return m_count; }
    int channels() const { return m_channels; }
    int height() const { return m_height; }
    int width() const { return m_width; }
    bool empty() const { return m_texture == 0 || m_count == 0; }
    uint64_t updates() const { return m_updates; }

private:
    void release();

    unsigned m_texture = 0, m_pbo = 0;
    int m_count = 0, m_channels = 0, m_height = 0, m_width = 0;
    uint64_t m_updates = 0;
};

}  // namespace ganscope
