// Image <-> tensor conversions and grid assembly. Any thread.
#include "ml/data/tensor_image.h"

#include <cmath>
#include <cstring>

namespace ganscope {

torch::Tensor image_to_tensor(const Image& image) {
    auto hwc = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, image.channels},
                                torch::kUInt8);
    return hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(127.5f).sub_(1.0f).contiguous();
}

Image tensor_to_image(const torch::Tensor& chw) {
    TORCH_CHECK(chw.dim() == 3 && (chw.size(0) == 1 || chw.size(0) == 3), "tensor_to_image: expected 1xHxW or 3xHxW, got ",
                chw.sizes());
    auto bytes = chw.detach()
                     .to(torch::kCPU, torch::kFloat32)
                     .add(1.0f)
                     .mul_(127.5f)
                     .round_()
                     .clamp_(0, 255)
                     .to(torch::kUInt8)
                     .permute({1, 2, 0})
                     .contiguous();
    Image out(int(chw.size(2)), int(chw.size(1)), int(chw.size(0)));
    std::memcpy(out.pixels.data(), bytes.data_ptr<uint8_t>(), out.pixels.size());
    return out;
}

torch::Tensor make_grid(const torch::Tensor& nchw, int columns, int padding, float pad_value) {
    TORCH_CHECK(nchw.dim() == 4, "make_grid: expected N x C x H x W, got ", nchw.sizes());
    const int64_t n = nchw.size(0), c = nchw.size(1), h = nchw.size(2), w = nchw.size(3);
    const int64_t cols = std::max<int64_t>(1, std::min<int64_t>(columns, n));
    const int64_t rows = (n + cols - 1) / cols;
    auto grid = torch::full({c, rows * (h + padding) + padding, cols * (w + padding) + padding}, pad_value,
                            nchw.options());
    for (int64_t i = 0; i < n; ++i) {
        const int64_t y = (i / cols) * (h + padding) + padding, x = (i % cols) * (w + padding) + padding;
        grid.narrow(1, y, h).narrow(2, x, w).copy_(nchw[i]);
    }
    return grid;
}

int display_grid_columns(int64_t count, bool triplets) {
    if (triplets) return 3 * std::max(1, int(std::lround(std::sqrt(double(count) / 3.0))));
    return std::max(1, int(std::ceil(std::sqrt(double(count)))));
}

}  // namespace ganscope
