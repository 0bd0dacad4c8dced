// A torch image tensor on screen: C x H x W in [-1, 1] into a render::Texture through CUDA-GL interop when the
// tensor lives on a CUDA device (and interop works), else through the CPU pixel-buffer path. Two textures take
// turns, so an update never writes the texture the previous frame is still drawing with (on llvmpipe that
// write waits for the whole frame to rasterise). GL thread only.
#pragma once

#include <memory>
#include <string>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "render/cuda_interop.h"
#include "render/texture.h"

namespace ganscope {

class TensorTexture {
public:
    // `ready`: recorded by the producer after writing `chw` (CUDA); null for CPU tensors.
    void update(const torch::Tensor& chw, const c10::Event* ready = nullptr);
    const Texture& texture() const { return m_textures[m_current]; }  // the latest update
    uint64_t imgui_id() const { return texture().id(); }  // ImGui 1.92: ImTextureID is the GL name as ImU64
    int width() const { return texture().width(); }
    int height() const { return texture().height(); }
    bool empty() const { return texture().empty(); }
    double last_upload_ms() const { return m_last_ms; }
    bool used_interop() const { return m_used_interop; }
    const std::string& interop_note() const { return m_note; }  // why interop is off, when it fell back

private:
    Texture m_textures[2];
    std::unique_ptr<CudaTextureLink> m_links[2];  // one registration per texture
    torch::Tensor m_keep_alive[2];  // device memory each link's stream may still be reading
    int m_current = 0;
    bool m_interop_failed = false;
    bool m_used_interop = false;
    double m_last_ms = 0;
    std::string m_note;
};

// A sample grid (N x C x H x W) as one C x H x W image: `columns` wide, `padding` pixels of the window's
// backdrop between cells. Stays on the tensors' device.
torch::Tensor grid_image(const torch::Tensor& nchw, int columns, int padding);

}  // namespace ganscope
