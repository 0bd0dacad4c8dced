// A grid of images as its panels see it (Samples, Dataset, History): the 1:1 image, the view, the hovered cell. GL thread only.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "render/image_passes.h"
#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct GridModel {
    // The whole grid at 1:1 (drawn by the grid shader from the images' texture array), drawn only for panels
    // that show it: one sets `whole_wanted` when it draws `image`, and the module redraws it before the next
    // frame if the images changed (a publish itself only uploads the floats).
    ImageRef image;
    mutable bool whole_wanted = false;
    ImageRef view_image;  // the panel's view of it: zoom, pan, hover frame, at the panel's pixel size
    ImageRef cell_image;  // the hovered cell (view.hover), pixel for pixel: the tooltip's picture
    int count = 0, columns = 0, cell = 0, padding = 2;  // cell: one sample's pixels
    int64_t step = -1;
    torch::Tensor latents;  // count x L, CPU: the fixed latents behind the cells
    GridView view;          // intent: the view the panel wants; the module draws it before the next frame
    std::vector<float> verdicts;  // the discriminator on each cell, while Inspect is visible; else empty
    bool verdict_probabilities = true;
    int64_t verdicts_step = -1;   // the grid they judged: the same fixed latents, maybe a publish or two older
};

}  // namespace ganscope
