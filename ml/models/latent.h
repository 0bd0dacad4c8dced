// Latent-space math for the explorer and interpolation: lerp/slerp paths, random orthonormal and GANSpace
// (PCA of generator features) directions, truncation, latents as text and files. Pure torch; any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/models/dcgan.h"

namespace ganscope {

// Straight line between latents a and b (1-D, same length) at t in [0, 1].
torch::Tensor lerp_latent(const torch::Tensor& a, const torch::Tensor& b, double t);
// Great-circle interpolation (White 2016): keeps the norm typical of Gaussian latents where lerp shrinks it.
// Falls back to lerp when a and b are (anti)parallel, where the arc is undefined.
torch::Tensor slerp_latent(const torch::Tensor& a, const torch::Tensor& b, double t);
// K latents from a to b inclusive (K x L), spherical or linear.
torch::Tensor interpolation_path(const torch::Tensor& a, const torch::Tensor& b, int count, bool spherical);

// `count` orthonormal unit directions in R^dim (count x dim), deterministic from the seed. count <= dim.
torch::Tensor random_orthonormal_directions(int count, int dim, uint64_t seed);

struct LatentDirections {
    torch::Tensor directions;        // count x L, unit rows, in latent space
    std::vector<double> explained;   // fraction of feature variance along each principal component
};

// GANSpace for generators without a mapping network (Härkönen et al. 2020, the BigGAN variant): sample latents,
// take early generator features, find their principal components, and regress the latents on the component
// coordinates so each component gets a latent-space direction. `features` maps N x L latents to N x F.
LatentDirections pca_directions(const std::function<torch::Tensor(const torch::Tensor&)>& features, int latent_dim,
                                int samples, int count, uint64_t seed);
// The DCGAN's early features: the output of its first block (ConvTranspose, BatchNorm, ReLU), flattened.
torch::Tensor dcgan_early_features(DcganGenerator& generator, const torch::Tensor& latents);

// Pulls latents towards the mean (0 for N(0, I)) by psi in [0, 1]: psi = 1 unchanged, 0 the "average" image.
torch::Tensor truncate_latent(const torch::Tensor& z, double psi);
// N(0, I) samples with every |value| > threshold redrawn (the BigGAN truncation trick); threshold <= 0: none.
torch::Tensor truncated_normal(int count, int dim, double threshold, uint64_t seed);

// A latent as one line of comma-separated numbers, and back. Parsing throws std::invalid_argument naming
// the bad number or the wrong length and what is expected.
std::string latent_to_text(const torch::Tensor& z);
torch::Tensor latent_from_text(const std::string& text, int expected_dim);
// Text files of one latent; save is atomic (temp + rename). load also reads .pt/.pth/.safetensors files holding a
// "latent" tensor (what `ganscope project` writes). Errors name the file and what to do.
void save_latent(const std::string& path, const torch::Tensor& z);
torch::Tensor load_latent(const std::string& path, int expected_dim);

// A smooth random walk through latent space: eased slerps between random keyframes, one keyframe per unit
// of time. Deterministic from the seed.
class LatentWalk {
public:
    LatentWalk(int dim, uint64_t seed);
    torch::Tensor advance(double dt);  // moves on by dt keyframe intervals and returns the current latent
    torch::Tensor current() const;

private:
    torch::Tensor next_key();
    torch::Generator m_rng;
    int m_dim;
    torch::Tensor m_from, m_to;
    double m_t = 0;
};

}  // namespace ganscope
