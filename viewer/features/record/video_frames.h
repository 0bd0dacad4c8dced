// Sample grids -> video frames: grid assembly, scaling and the byte conversion on the tensors' device (the GPU
// when training there), then a caption band. Any thread; one CaptionRenderer per thread.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/run/metrics.h"
#include "render/caption.h"
#include "render/video.h"

namespace ganscope {

struct FrameLayout {
    int columns = 0;    // grid columns; 0: square-ish (ceil(sqrt(N)))
    int padding = 2;    // pixels between cells
    int width = 0;      // output width: 0 natural; a multiple of the natural width scales by pixel repetition,
                        // any other width bilinearly (height follows the aspect)
    int min_width = 0;  // with width 0: repeat pixels by the smallest whole factor reaching this width
};

// Grid columns for `cells` images: square-ish, or for image-to-image grids (input | output | target per item)
// a multiple of 3 so each triplet stays on one row.
int default_columns(int64_t cells, bool triplets);

// N x C x H x W in [-1, 1] (any device) -> one RGB8 frame. Only the final bytes cross to the host.
RgbFrame grid_to_frame(const torch::Tensor& nchw, const FrameLayout& layout);

// "step 1200  epoch 3" and "G 1.234  D 0.456  D(x) 0.71  D(G(z)) 0.32" ("G -  D -" before any metrics):
// always two lines, so every frame of a video has the same height.
std::vector<std::string> caption_lines(int64_t step, int64_t epoch, const StepMetrics* metrics);

// The newest metrics record at or before `step` (records sorted by step), or null.
const StepMetrics* metrics_at_step(const std::vector<StepMetrics>& records, int64_t step);

}  // namespace ganscope
