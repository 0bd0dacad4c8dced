// Sliced Wasserstein distance over Laplacian-pyramid patches (Karras et al., "Progressive Growing of GANs",
// 2018): a sample-quality metric that needs no downloaded network. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ganscope {

struct SwdOptions {
    int patch_size = 7;            // 7x7 neighbourhoods, as the paper
    int patches_per_image = 64;    // random patches drawn from every level of every image (the paper: 128)
    int min_resolution = 16;       // the coarsest level (a Gaussian level, not a difference)
    int directions = 128;          // random unit projections per repeat
    int repeats = 4;               // the distance averages this many sets of directions
    uint64_t seed = 0x5dd1;        // projections; fixed so that successive evaluations are comparable
};

// Levels finest first: levels - 1 differences (image minus its blurred, down- and up-sampled self) and the
// last Gaussian level. 5x5 binomial filter, reflected borders. images: N x C x S x S; S divisible by 2^(levels-1).
std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor& images, int levels);
// The resolutions the metric compares for images of side `size`: size, size/2, ... down to min_resolution
// (just `size` when it is already that small). Throws for sizes below 8 or not powers of two.
std::vector<int> swd_resolutions(int size, int min_resolution);

// Per level, every patch as one row (C * patch_size^2 values), not yet normalised.
struct SwdDescriptors {
    std::vector<int> resolutions;
    std::vector<torch::Tensor> levels;  // M x (C * p * p) float, on the device the images were on
    int64_t count() const { return levels.empty() ? 0 : levels[0].size(0); }
};

// Patches of a batch of images in [-1, 1] (N x 3 x S x S): positions drawn from `patch_rng`, a CPU generator
// the caller keeps (the same seed gives the same positions).
SwdDescriptors swd_descriptors(const torch::Tensor& images, const SwdOptions& options, at::Generator& patch_rng);
// Rows of b appended to a (same resolutions).
void append_descriptors(SwdDescriptors& a, const SwdDescriptors& b);
// Per channel: minus the set's mean, divided by its standard deviation (the paper normalises each set alone).
torch::Tensor normalise_descriptors(const torch::Tensor& descriptors, int channels);

struct SwdResult {
    std::vector<int> resolutions;
    std::vector<double> per_level;  // x 1e3, as the paper reports it
    double mean = 0;                // the mean over levels: the `swd` figure
};

// The distance between two descriptor sets (normalised here). Sets of different sizes are compared at matching
// quantiles of their sorted projections. Throws when the levels do not match.
SwdResult sliced_wasserstein(const SwdDescriptors& a, const SwdDescriptors& b, const SwdOptions& options);

// Descriptors of up to `count` images in batches through `batch_of` (index range -> N x 3 x S x S), with
// patch positions from `seed`. The function keeps memory to one batch of images at a time.
SwdDescriptors describe_images(int64_t count, int64_t batch,
                               const std::function<torch::Tensor(int64_t begin, int64_t end)>& batch_of,
                               const SwdOptions& options, uint64_t seed);

// Descriptors on disk (torch archive): `key` names what they describe; loading returns false for a missing or
// foreign file (the caller recomputes and saves again). Saving writes a temporary file and renames it.
bool load_descriptors(const std::string& path, const std::string& key, SwdDescriptors& out);
void save_descriptors(const std::string& path, const std::string& key, const SwdDescriptors& descriptors);

}  // namespace ganscope
