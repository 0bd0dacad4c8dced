// TensorImages, TensorTexture, GridTexture (see tensor_texture.h). GL thread only.
#include "viewer/widgets/tensor_texture.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ml/data/tensor_image.h"
#include "render/gl_check.h"

namespace ganscope {
namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

torch::Tensor grid_image(const torch::Tensor& nchw, int columns, int padding) {
    // -0.84 in [-1, 1] is byte 20: the panels' dark backdrop, so padding reads as gaps, not a white frame.
    return make_grid(nchw, columns, padding, -0.84f).contiguous();
}

TensorImages::~TensorImages() { m_link.reset(); }  // unregisters while m_images' texture still exists

TensorImages::TensorImages(TensorImages&& other) noexcept
    : m_images(std::move(other.m_images)),
      m_link(std::move(other.m_link)),
      m_keep_alive(std::move(other.m_keep_alive)),
      m_interop_failed(other.m_interop_failed),
      m_used_interop(other.m_used_interop),
      m_last_ms(other.m_last_ms),
      m_note(std::move(other.m_note)) {}

TensorImages& TensorImages::operator=(TensorImages&& other) noexcept {
    if (this == &other) return *this;
    m_link.reset();  // first: it unregisters the texture that the next line deletes
    m_images = std::move(other.m_images);
    m_link = std::move(other.m_link);
    m_keep_alive = std::move(other.m_keep_alive);
    m_interop_failed = other.m_interop_failed;
    m_used_interop = other.m_used_interop;
    m_last_ms = other.m_last_ms;
    m_note = std::move(other.m_note);
    return *this;
}

void TensorImages::update(const torch::Tensor& in, const c10::Event* ready) {
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor nchw = in.dim() == 3 ? in.unsqueeze(0) : in;
    if (nchw.dim() != 4)
        throw RenderError("images must be N x C x H x W or C x H x W; got " + std::to_string(in.dim()) + " dims");
    const int n = int(nchw.size(0)), c = int(nchw.size(1)), h = int(nchw.size(2)), w = int(nchw.size(3));
    m_used_interop = false;
    if (nchw.is_cuda() && !m_interop_failed) {
        try {
            if (!m_link) m_link = std::make_unique<CudaTextureLink>(nchw.device().index());
            auto stream = c10::cuda::getCurrentCUDAStream(nchw.device().index());
            torch::Tensor dense = nchw;
            const c10::Event* wait_on = ready;
            c10::Event converted(c10::DeviceType::CUDA);
            if (nchw.scalar_type() != torch::kFloat32 || !nchw.is_contiguous()) {
                if (ready) ready->block(stream);  // the conversion must read finished data
                dense = nchw.to(torch::kFloat32).contiguous();
                wait_on = nullptr;
            }
            if (!wait_on) {  // the data was produced (or converted) on this thread's current stream
                converted.record(stream);
                wait_on = &converted;
            }
            m_link->update_float_images(m_images, dense.data_ptr<float>(), n, c, h, w,
                                        static_cast<CUevent_st*>(wait_on->eventId()));
            // The link's stream may still read `dense` after we return; keep it alive until the next update,
            // which first waits for the link's previous copy to finish.
            m_keep_alive = dense;
            m_used_interop = true;
        } catch (const std::exception& e) {
            // instant-ngp's fallback: when registration fails (say, a Mesa context beside an NVIDIA CUDA device)
            // keep showing images through the CPU path instead of failing the window.
            m_interop_failed = true;
            m_link.reset();
            m_note = std::string("CUDA-GL interop off: ") + e.what();
            // Headless on a server nobody watches the Performance panel: say it where logs go, once a process.
            static std::atomic<bool> told{false};
            if (!told.exchange(true)) std::cerr << "ganscope: " << m_note << "; images reach GL through host memory\n";
        }
    }
    if (!m_used_interop) {
        torch::Tensor host;
        if (nchw.is_cuda()) {
            // The copy to the host runs on a stream of its own, after the producer's event (or, without one, after
            // what this thread's current stream has queued): the default stream is the trainer's, and a copy
            // queued there would wait for all of its work.
            const auto index = nchw.device().index();
            auto side = c10::cuda::getStreamFromPool(false, index);
            if (ready) {
                ready->block(side);
            } else {
                c10::Event produced(c10::DeviceType::CUDA);
                produced.record(c10::cuda::getCurrentCUDAStream(index));
                produced.block(side);
            }
            c10::cuda::CUDAStreamGuard guard(side);
            host = nchw.to(torch::kCPU, torch::kFloat32).contiguous();  // synchronous: waits for `side` alone
        } else {
            host = nchw.to(torch::kFloat32).contiguous();
        }
        m_images.upload(host.data_ptr<float>(), n, c, h, w);
    }
    m_last_ms = ms_since(t0);
}

namespace {
SingleImagePath g_single_image_path = SingleImagePath::Shader;
}  // namespace

void set_single_image_path(SingleImagePath path) { g_single_image_path = path; }
SingleImagePath single_image_path() { return g_single_image_path; }

bool is_software_renderer(const std::string& renderer) {
    for (const char* name : {"llvmpipe", "softpipe", "swrast", "Software Rasterizer"})
        if (renderer.find(name) != std::string::npos) return true;
    return false;
}

void TensorTexture::update(const torch::Tensor& chw, const c10::Event* ready) {
    auto t0 = std::chrono::steady_clock::now();
    const torch::Tensor first = chw.dim() == 4 ? chw.narrow(0, 0, 1) : chw;
    const int next = 1 - m_current;
    if (g_single_image_path == SingleImagePath::CpuConversion) {
        if (ready && first.is_cuda()) ready->synchronize();
        const torch::Tensor host = (first.dim() == 4 ? first[0] : first).to(torch::kCPU, torch::kFloat32).contiguous();
        if (host.dim() != 3) throw RenderError("an image must be C x H x W; got " + std::to_string(host.dim()) + " dims");
        m_textures[next].upload_chw(host.data_ptr<float>(), int(host.size(0)), int(host.size(1)), int(host.size(2)));
        m_current = next;
        m_last_ms = ms_since(t0);
        return;
    }
    m_images[next].update(first, ready);
    if (!m_pass) m_pass = std::make_unique<DisplayPass>();
    m_pass->draw(m_images[next].images(), 0, m_textures[next]);
    m_current = next;
    m_last_ms = ms_since(t0);
}

bool operator==(const GridView& a, const GridView& b) {
    return a.width == b.width && a.height == b.height && a.zoom == b.zoom && a.offset_x == b.offset_x &&
           a.offset_y == b.offset_y && a.hover == b.hover && a.frame_px == b.frame_px &&
           a.pixel_grid_from == b.pixel_grid_from && std::memcmp(a.background, b.background, sizeof a.background) == 0 &&
           std::memcmp(a.highlight, b.highlight, sizeof a.highlight) == 0 && a.color_map == b.color_map &&
           a.low == b.low && a.high == b.high && a.scores == b.scores && a.score_map == b.score_map &&
           a.score_low == b.score_low && a.score_high == b.score_high && a.scores_revision == b.scores_revision;
}

void GridTexture::update(const torch::Tensor& nchw, const GridLayout& layout, const c10::Event* ready) {
    auto t0 = std::chrono::steady_clock::now();
    m_images.update(nchw, ready);
    m_layout = layout;
    m_layout.cell_width = m_images.images().width();
    m_layout.cell_height = m_images.images().height();
    m_last_ms = ms_since(t0);
}

void GridTexture::set_color_map(unsigned color_map, float low, float high) {
    if (color_map == m_color_map && low == m_low && high == m_high) return;
    m_color_map = color_map;
    m_low = low;
    m_high = high;
    m_whole_from = 0;  // the whole grid's colours changed; a view carries its own map
}

void GridTexture::show(const GridView& view) {
    if (!has_images() || view.width <= 0 || view.height <= 0) return;
    if (m_view_from == images_updates() && view == m_last_view) return;
    if (!m_pass) m_pass = std::make_unique<GridPass>();
    const int next = 1 - m_current_view;
    m_pass->draw(m_images.images(), m_layout, view, m_views[next]);
    m_current_view = next;
    m_last_view = view;
    m_view_from = images_updates();
}

const Texture& GridTexture::draw_whole() {
    if (!has_images() || m_whole_from == images_updates()) return texture();
    if (!m_pass) m_pass = std::make_unique<GridPass>();
    GridView whole;  // 1:1, no hover
    whole.width = m_layout.width();
    whole.height = m_layout.height();
    whole.color_map = m_color_map;
    whole.low = m_low;
    whole.high = m_high;
    const int next = 1 - m_current_whole;
    m_pass->draw(m_images.images(), m_layout, whole, m_wholes[next]);
    m_current_whole = next;
    m_whole_from = images_updates();
    return texture();
}

const Texture& GridTexture::draw_cell(int index) {
    if (!has_images() || index < 0 || index >= m_images.images().count()) return cell_texture();
    if (index == m_cell_index && m_cell_from == images_updates()) return cell_texture();
    if (!m_display) m_display = std::make_unique<DisplayPass>();
    const int next = 1 - m_current_cell;
    m_display->draw(m_images.images(), index, m_cells[next]);
    m_current_cell = next;
    m_cell_index = index;
    m_cell_from = images_updates();
    return cell_texture();
}

}  // namespace ganscope
