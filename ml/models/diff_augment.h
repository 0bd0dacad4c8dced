// Differentiable augmentation (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training",
// 2020): colour, translation and cutout applied to both real and fake images, so a discriminator on a small
// data set cannot memorise the reals. Pure functions; the trainer thread calls them inside a training step.
#pragma once

#include <string>

#include <torch/torch.h>

namespace ganscope {

struct AugmentPolicy {
    bool color = false;        // brightness +U(-0.5, 0.5), saturation xU(0, 2), contrast xU(0.5, 1.5)
    bool translation = false;  // integer shifts of up to 1/8 of the side, zeros shifted in
    bool cutout = false;       // a square of half the side set to zero
    bool any() const { return color || translation || cutout; }
};
// "color,translation,cutout" (any subset, comma-separated, DiffAugment's spelling), "" or "none" for none.
// Throws std::invalid_argument naming the unknown part.
AugmentPolicy parse_augment_policy(const std::string& text);
std::string to_string(const AugmentPolicy& policy);

// One draw of the random parameters for a batch: each image's brightness, saturation, contrast, shift and
// cutout position. Drawing once and applying to reals and fakes alike transforms both the same way.
struct AugmentParams {
    int64_t count = 0;
    int64_t size = 0;
    torch::Tensor brightness, saturation, contrast;  // N x 1 x 1 x 1
    torch::Tensor shift_x, shift_y;                  // N, integer pixels
    torch::Tensor cut_x, cut_y;                      // N, the cutout square's top-left corner (may be negative)
};

// Draws from `rng` (on the device of `options`) for n images of side `size`.
AugmentParams draw_augment(const AugmentPolicy& policy, int64_t n, int64_t size, at::Generator& rng,
                           const torch::TensorOptions& options);
// The augmented batch (N x C x S x S, any values): differentiable in x. Throws when the batch does not match
// the parameters.
torch::Tensor apply_augment(const AugmentPolicy& policy, const torch::Tensor& x, const AugmentParams& params);

}  // namespace ganscope
