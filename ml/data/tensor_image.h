// Conversions between images and tensors in [-1, 1], and sample-grid assembly. Any thread.
#pragma once

#include <torch/torch.h>

#include "ml/data/image.h"

namespace ganscope {

// H x W x C uint8 -> C x H x W float in [-1, 1].
torch::Tensor image_to_tensor(const Image& image);
// C x H x W (C = 1 or 3) in [-1, 1], any device -> RGB or gray image (clamped, rounded).
Image tensor_to_image(const torch::Tensor& chw);
// N x C x H x W -> one image of `columns` columns with `padding` pixels of `pad_value` between cells.
torch::Tensor make_grid(const torch::Tensor& nchw, int columns, int padding = 2, float pad_value = 1.0f);

// How the window lays out a sample grid: near square, or whole input | output | target rows for triplets.
int display_grid_columns(int64_t count, bool triplets);
// The gutter between cells on screen: -0.84 in [-1, 1] is byte 20, the panels' dark backdrop, so gutters read
// as gaps rather than a white frame.
constexpr float kDisplayGutter = -0.84f;
constexpr int kDisplayPadding = 2;

}  // namespace ganscope
