// Torch image tensors on screen. The floats go to the GPU as they are (TensorImages: N x C x H x W in [-1, 1] into
// a FloatImages texture array, by one CUDA copy into the mapped array when the tensor lives on a CUDA device and
// interop works, else by one pixel-buffer upload), and the shaders of shaders/ turn them into colour: one image
// (TensorTexture, display.frag) or a sample grid (GridTexture, grid.frag). Output textures take turns, so an
// update never writes the texture the previous frame is still drawing with (on llvmpipe that write waits for the
// whole frame to rasterise). GL thread only.
#pragma once

#include <memory>
#include <string>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "render/cuda_interop.h"
#include "render/float_images.h"
#include "render/image_passes.h"
#include "render/texture.h"

namespace ganscope {

// N x C x H x W (or C x H x W) floats into a texture array, through CUDA-GL interop or the CPU path.
class TensorImages {
public:
    TensorImages() = default;
    // The link's CUDA registration of the texture goes before the texture itself: a GL texture deleted while CUDA
    // still holds it registered is undefined behaviour (the implicit moves would delete the texture first).
    ~TensorImages();
    TensorImages(TensorImages&& other) noexcept;
    TensorImages& operator=(TensorImages&& other) noexcept;
    TensorImages(const TensorImages&) = delete;
    TensorImages& operator=(const TensorImages&) = delete;

    // `ready`: recorded by the producer after writing `images` (CUDA); null for CPU tensors.
    void update(const torch::Tensor& images, const c10::Event* ready = nullptr);
    const FloatImages& images() const { return m_images; }
    double last_upload_ms() const { return m_last_ms; }
    bool used_interop() const { return m_used_interop; }
    const std::string& interop_note() const { return m_note; }  // why interop is off, when it fell back

private:
    FloatImages m_images;
    std::unique_ptr<CudaTextureLink> m_link;
    torch::Tensor m_keep_alive;  // device memory the link's stream may still be reading
    bool m_interop_failed = false, m_used_interop = false;
    double m_last_ms = 0;
    std::string m_note;
};

// How single images (TensorTexture) become colour. Shader: the floats into the array, then the display shader
// (one conversion for every path; on CUDA one copy of the tensor's memory). CpuConversion: where the "GPU" is the
// CPU (a software rasteriser), the [-1, 1] -> RGBA8 loop straight into the texture, because there a render pass
// is a scene the frame then waits for: scrubbing the explorer through the shader took the frame's busy median from
// about 2-5 ms to 4-13 ms on llvmpipe (docs/benchmarks.md). The App picks it from the renderer at start;
// GANSCOPE_DISPLAY_SHADER=1 keeps the shader there too. The grid (GridTexture) always draws through its shader.
enum class SingleImagePath { Shader, CpuConversion };
void set_single_image_path(SingleImagePath path);
SingleImagePath single_image_path();
// Mesa's llvmpipe and softpipe, and any renderer that names itself a software rasteriser.
bool is_software_renderer(const std::string& renderer);

// One image (the first of a batch) as an RGBA8 texture, drawn by the display shader (see SingleImagePath).
class TensorTexture {
public:
    void update(const torch::Tensor& chw, const c10::Event* ready = nullptr);
    const Texture& texture() const { return m_textures[m_current]; }  // the latest update
    uint64_t imgui_id() const { return texture().id(); }  // ImGui 1.92: ImTextureID is the GL name as ImU64
    int width() const { return texture().width(); }
    int height() const { return texture().height(); }
    bool empty() const { return texture().empty(); }
    double last_upload_ms() const { return m_last_ms; }  // upload and shader pass
    bool used_interop() const { return m_images[m_current].used_interop(); }
    const std::string& interop_note() const { return m_images[m_current].interop_note(); }

private:
    // The floats take turns too: on llvmpipe, writing the array the previous frame's pass still reads would wait
    // for that whole frame to rasterise (scrubbing the explorer writes one every frame).
    TensorImages m_images[2];
    std::unique_ptr<DisplayPass> m_pass;  // made at the first update, with the context current
    Texture m_textures[2];
    int m_current = 0;
    double m_last_ms = 0;
};

// A sample grid drawn by the grid shader from the images' texture array (no tiling on the CPU). A publish only
// uploads the floats; every picture of them is drawn when asked and only when stale, because on llvmpipe each
// pass is CPU work on the cores that train:
//   view_texture()  the panel's view (zoom, pan, hover, score frames) at the panel's pixel size: show(view)
//   texture()       the whole grid at 1:1 (what Dataset and History show beside theirs): draw_whole()
//   cell_texture()  one cell through the display shader (the hover tooltip): draw_cell(index)
class GridTexture {
public:
    // New images: N x C x H x W, laid out as `layout` says (count, columns, padding; cell = H x W). Upload only.
    void update(const torch::Tensor& nchw, const GridLayout& layout, const c10::Event* ready = nullptr);
    // One-channel images as scalar maps through a ColorMapTexture (0: gray [-1, 1]).
    void set_color_map(unsigned color_map, float low, float high);
    // Redraws the view texture when `view` differs from the last drawn one or the images changed since.
    void show(const GridView& view);
    // Redraws the whole grid at 1:1 when the images changed since; returns it.
    const Texture& draw_whole();
    // Draws image `index` pixel for pixel when it is not the one drawn last or the images changed since.
    const Texture& draw_cell(int index);
    const GridLayout& layout() const { return m_layout; }
    bool has_images() const { return !m_images.images().empty(); }
    uint64_t images_updates() const { return m_images.images().updates(); }

    const Texture& texture() const { return m_wholes[m_current_whole]; }  // the last whole drawn
    uint64_t imgui_id() const { return texture().id(); }
    int width() const { return texture().width(); }
    int height() const { return texture().height(); }
    bool empty() const { return texture().empty(); }
    const Texture& view_texture() const { return m_views[m_current_view]; }
    const Texture& cell_texture() const { return m_cells[m_current_cell]; }
    const FloatImages& images() const { return m_images.images(); }
    double last_upload_ms() const { return m_last_ms; }  // the upload of the last update
    bool used_interop() const { return m_images.used_interop(); }
    const std::string& interop_note() const { return m_images.interop_note(); }

private:
    TensorImages m_images;
    std::unique_ptr<GridPass> m_pass;
    std::unique_ptr<DisplayPass> m_display;
    GridLayout m_layout;
    Texture m_wholes[2], m_views[2], m_cells[2];  // each pair takes turns (see TensorTexture)
    int m_current_whole = 0, m_current_view = 0, m_current_cell = 0;
    GridView m_last_view;
    unsigned m_color_map = 0;
    float m_low = -1, m_high = 1;
    // The images' update count each picture was drawn from (0: never).
    uint64_t m_view_from = 0, m_whole_from = 0, m_cell_from = 0;
    int m_cell_index = -1;
    double m_last_ms = 0;
};

bool operator==(const GridView& a, const GridView& b);
inline bool operator!=(const GridView& a, const GridView& b) { return !(a == b); }

// A sample grid (N x C x H x W) as one C x H x W image: `columns` wide, `padding` pixels of the window's
// backdrop between cells. Stays on the tensors' device. (Tests compare the grid shader against it.)
torch::Tensor grid_image(const torch::Tensor& nchw, int columns, int padding);

}  // namespace ganscope
