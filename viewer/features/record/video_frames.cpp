// Sample grids -> captioned video frames; see video_frames.h.
#include "viewer/features/record/video_frames.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "ml/data/tensor_image.h"

namespace ganscope {

int default_columns(int64_t cells, bool triplets) {
    if (triplets && cells % 3 == 0) return 3 * std::max(1, int(std::ceil(std::sqrt(double(cells / 3) / 3.0))));
    return std::max(1, int(std::ceil(std::sqrt(double(cells)))));
}

RgbFrame grid_to_frame(const torch::Tensor& nchw, const FrameLayout& layout) {
    TORCH_CHECK(nchw.dim() == 4 && nchw.size(0) > 0, "grid_to_frame: expected N x C x H x W, got ", nchw.sizes());
    torch::NoGradGuard no_grad;
    const int64_t n = nchw.size(0);
    int columns = layout.columns > 0 ? layout.columns : default_columns(n, false);
    torch::Tensor images = nchw.detach().to(torch::kFloat32);
    if (images.size(1) == 1) images = images.expand({n, 3, images.size(2), images.size(3)});
    torch::Tensor grid = make_grid(images, columns, layout.padding, 1.0f);  // 3 x H x W, same device
    const int64_t h = grid.size(1), w = grid.size(2);
    if (layout.width > 0 && layout.width != w) {
        if (layout.width % w == 0) {
            int64_t k = layout.width / w;
            grid = grid.repeat_interleave(k, 1).repeat_interleave(k, 2);
        } else {
            int64_t out_h = std::max<int64_t>(1, std::llround(double(h) * layout.width / double(w)));
            namespace F = torch::nn::functional;
            grid = F::interpolate(grid.unsqueeze(0), F::InterpolateFuncOptions()
                                                         .size(std::vector<int64_t>{out_h, layout.width})
                                                         .mode(torch::kBilinear)
                                                         .align_corners(false))
                       .squeeze(0);
        }
    } else if (layout.width <= 0 && layout.min_width > w) {
        int64_t k = (layout.min_width + w - 1) / w;
        grid = grid.repeat_interleave(k, 1).repeat_interleave(k, 2);
    }
    // The same rounding as tensor_to_image, done where the tensor lives so only bytes are copied back.
    torch::Tensor bytes =
        grid.add(1.0f).mul_(127.5f).round_().clamp_(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous().cpu();
    RgbFrame frame(int(bytes.size(1)), int(bytes.size(0)));
    std::memcpy(frame.pixels.data(), bytes.data_ptr<uint8_t>(), frame.pixels.size());
    return frame;
}

std::vector<std::string> caption_lines(int64_t step, int64_t epoch, const StepMetrics* m) {
    char line[160];
    std::vector<std::string> lines;
    std::snprintf(line, sizeof line, "step %lld  epoch %lld", static_cast<long long>(step),
                  static_cast<long long>(epoch));
    lines.emplace_back(line);
    if (m) {
        lines.push_back(describe_losses(*m));
    } else {
        lines.emplace_back("G -  D -");  // always two lines: a video's frames must keep one size
    }
    return lines;
}

const StepMetrics* metrics_at_step(const std::vector<StepMetrics>& records, int64_t step) {
    auto it = std::upper_bound(records.begin(), records.end(), step,
                               [](int64_t s, const StepMetrics& m) { return s < m.step; });
    return it == records.begin() ? nullptr : &*(it - 1);
}

}  // namespace ganscope
