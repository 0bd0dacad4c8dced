// TensorTexture (see tensor_texture.h). GL thread only.
#include "viewer/window/tensor_texture.h"

#include <chrono>

#include <c10/cuda/CUDAStream.h>

#include "ml/tensor_image.h"
#include "render/gl_check.h"

namespace ganscope {

torch::Tensor grid_image(const torch::Tensor& nchw, int columns, int padding) {
    // -0.84 in [-1, 1] is byte 20: the panels' dark backdrop, so padding reads as gaps, not a white frame.
    return make_grid(nchw, columns, padding, -0.84f).contiguous();
}

void TensorTexture::update(const torch::Tensor& chw_in, const c10::Event* ready) {
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor chw = chw_in.dim() == 4 ? chw_in[0] : chw_in;
    if (chw.dim() != 3) throw RenderError("an image tensor must be C x H x W; got " + std::to_string(chw.dim()) + " dims");
    const int c = int(chw.size(0)), h = int(chw.size(1)), w = int(chw.size(2));
    const int next = 1 - m_current;
    Texture& target = m_textures[next];
    std::unique_ptr<CudaTextureLink>& link = m_links[next];
    m_used_interop = false;
    if (chw.is_cuda() && !m_interop_failed) {
        try {
            if (!link) link = std::make_unique<CudaTextureLink>(chw.device().index());
            auto stream = c10::cuda::getCurrentCUDAStream(chw.device().index());
            torch::Tensor dense = chw;
            const c10::Event* wait_on = ready;
            c10::Event converted(c10::DeviceType::CUDA);
            if (chw.scalar_type() != torch::kFloat32 || !chw.is_contiguous()) {
                if (ready) ready->block(stream);  // the conversion must read finished data
                dense = chw.to(torch::kFloat32).contiguous();
                wait_on = nullptr;
            }
            if (!wait_on) {  // the data was produced (or converted) on this thread's current stream
                converted.record(stream);
                wait_on = &converted;
            }
            link->update_from_chw(target, dense.data_ptr<float>(), c, h, w,
                                    static_cast<CUevent_st*>(wait_on->eventId()));
            // The link's stream may still read `dense` after we return; keep it alive until the next update,
            // which first waits for the link's previous copy to finish.
            m_keep_alive[next] = dense;
            m_used_interop = true;
        } catch (const std::exception& e) {
            // instant-ngp's fallback: when registration fails (say, a Mesa context beside an NVIDIA CUDA device)
            // keep showing images through the CPU path instead of failing the window.
            m_interop_failed = true;
            m_links[0].reset();
            m_links[1].reset();
            m_note = std::string("CUDA-GL interop off: ") + e.what();
        }
    }
    if (!m_used_interop) {
        if (ready && chw.is_cuda()) ready->synchronize();
        auto host = chw.to(torch::kCPU, torch::kFloat32).contiguous();
        target.upload_chw(host.data_ptr<float>(), c, h, w);
    }
    m_current = next;
    m_last_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace ganscope
