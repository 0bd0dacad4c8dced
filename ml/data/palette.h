// The posterize palette of seed 004: num_values levels per channel, num_values^3 colours; images quantised to it
// and generator logits decoded from it. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "ml/data/image.h"

namespace ganscope {

// num_values^3; throws std::invalid_argument unless num_values is in [2, 16].
int palette_size(int num_values);
// The channel levels, evenly spaced from 0 to 255 inclusive (so white and black backgrounds are exact).
std::vector<uint8_t> palette_levels(int num_values);
// Each channel snapped to the nearest level: the nearest palette colour in RGB. Returns RGB.
Image posterize(const Image& image, int num_values);

// Colours in [-1, 1] (N x 3 x H x W, posterized or not) -> palette class per pixel (N x H x W, int64):
// (r * n + g) * n + b with each channel's nearest level.
torch::Tensor palette_indices(const torch::Tensor& colours, int num_values);
// Logits N x n^3 x H x W -> the most likely colour per pixel, N x 3 x H x W in [-1, 1].
torch::Tensor palette_decode(const torch::Tensor& logits, int num_values);

}  // namespace ganscope
