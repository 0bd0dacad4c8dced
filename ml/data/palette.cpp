// Posterize palette: quantisation of images and tensors, and decoding of palette logits.
#include "ml/data/palette.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ganscope {

int palette_size(int num_values) {
    if (num_values < 2 || num_values > 16)
        throw std::invalid_argument("--palette-values " + std::to_string(num_values) + ": use 2 to 16 levels per channel");
    return num_values * num_values * num_values;
}

std::vector<uint8_t> palette_levels(int num_values) {
    palette_size(num_values);
    std::vector<uint8_t> levels(num_values);
    for (int i = 0; i < num_values; ++i) levels[i] = uint8_t(std::lround(255.0 * i / (num_values - 1)));
    return levels;
}

Image posterize(const Image& image, int num_values) {
    const std::vector<uint8_t> levels = palette_levels(num_values);
    const Image rgb = image.channels == 3 ? image : to_rgb(image);
    Image out(rgb.width, rgb.height, 3);
    uint8_t lut[256];
    for (int v = 0; v < 256; ++v) lut[v] = levels[size_t(std::lround(v * (num_values - 1) / 255.0))];
    for (size_t i = 0; i < rgb.pixels.size(); ++i) out.pixels[i] = lut[rgb.pixels[i]];
    return out;
}

torch::Tensor palette_indices(const torch::Tensor& colours, int num_values) {
    palette_size(num_values);
    // [-1, 1] -> level index per channel, rounding to the nearest level.
    torch::Tensor level = ((colours.to(torch::kFloat) + 1) * 0.5 * (num_values - 1)).round().clamp(0, num_values - 1).to(torch::kLong);
    return (level.select(1, 0) * num_values + level.select(1, 1)) * num_values + level.select(1, 2);
}

torch::Tensor palette_decode(const torch::Tensor& logits, int num_values) {
    const int count = palette_size(num_values);
    if (logits.dim() != 4 || logits.size(1) != count)
        throw std::invalid_argument("palette logits must be N x " + std::to_string(count) + " x H x W, got " + c10::str(logits.sizes()));
    const std::vector<uint8_t> levels = palette_levels(num_values);
    std::vector<float> table(size_t(count) * 3);
    for (int i = 0; i < count; ++i) {
        const int idx[3] = {i / (num_values * num_values), (i / num_values) % num_values, i % num_values};
        for (int c = 0; c < 3; ++c) table[size_t(i) * 3 + c] = levels[idx[c]] / 127.5f - 1.0f;
    }
    torch::Tensor palette = torch::from_blob(table.data(), {count, 3}, torch::kFloat).to(logits.device()).clone();
    torch::Tensor classes = logits.argmax(1);                    // N x H x W
    return palette.index({classes}).permute({0, 3, 1, 2}).contiguous();  // N x 3 x H x W
}

}  // namespace ganscope
