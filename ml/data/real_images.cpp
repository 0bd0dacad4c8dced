// Real images for the metrics (see real_images.h).
#include "ml/data/real_images.h"

#include <random>
#include <stdexcept>

namespace ganscope {

std::vector<size_t> spread_indices(size_t n, int64_t count) {
    std::vector<size_t> out;
    for (int64_t i = 0; i < count; ++i) out.push_back(size_t(double(i) * double(n) / double(count)));
    return out;
}

torch::Tensor read_real_images(const ImageSource& source, const std::vector<size_t>& indices, int64_t begin,
                               int64_t end, int image_size, const std::string& what, std::vector<size_t>* used) {
    const ExampleTransform transform = center_crop_transform(image_size);
    std::mt19937 rng(1);
    std::vector<torch::Tensor> images;
    for (int64_t i = begin; i < end; ++i) {
        for (size_t tries = 0; tries < source.size(); ++tries) {
            try {
                const size_t index = (indices[size_t(i)] + tries) % source.size();
                images.push_back(transform(source.load(index), rng).target);
                if (used) used->push_back(index);
                break;
            } catch (const std::exception&) {}
        }
    }
    if (images.empty()) throw std::runtime_error(what + ": none of the real images could be read");
    return torch::stack(images);
}

}  // namespace ganscope
