// Real images of a data set as the metrics read them (SWD, FID, the nearest-image index): a spread of the set,
// centre-cropped to the training size as training sees them. Any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/data/dataset.h"

namespace ganscope {

// `count` indices spread evenly over n items, so a subset covers the set whatever order its files came in.
std::vector<size_t> spread_indices(size_t n, int64_t count);

// The images at indices[begin, end) of `source`, centre-cropped to `image_size`: (end - begin) x 3 x S x S in
// [-1, 1]. A file that fails to decode now is replaced by the next one that does; throws std::runtime_error
// starting with `what` when none can be read. `used`, when given, receives the source index each row came from.
torch::Tensor read_real_images(const ImageSource& source, const std::vector<size_t>& indices, int64_t begin,
                               int64_t end, int image_size, const std::string& what,
                               std::vector<size_t>* used = nullptr);

}  // namespace ganscope
