// GAN objectives from the field (seed 003's BCE, hinge, least squares, WGAN-GP) and the R1 penalty, as pure
// functions of discriminator outputs. Any thread; the trainer thread calls them inside a training step.
#pragma once

#include <functional>
#include <string>

#include <torch/torch.h>

namespace ganscope {

enum class GanLoss { Bce, Hinge, Lsgan, WganGp };
// "bce", "hinge", "lsgan", "wgan-gp"; throws std::invalid_argument naming the value and the choices.
GanLoss parse_gan_loss(const std::string& name);
const char* to_string(GanLoss loss);

// The discriminator's loss from its outputs on real and fake images (any shape; means over all elements).
//   bce:     softplus(-r) + softplus(f)          (BCE with targets 1 and 0, summed as seed 003 does)
//   hinge:   relu(1 - r) + relu(1 + f)
//   lsgan:   (r - 1)^2 + f^2                      (junyanz's MSE to targets 1 and 0)
//   wgan-gp: f - r                                (the gradient penalty is added by the caller)
torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& real, const torch::Tensor& fake);
// The generator's loss from D's outputs on its fakes: bce softplus(-f), lsgan (f - 1)^2, hinge and wgan-gp -f.
torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& fake);
// What the curves show as D(x) and D(G(z)): sigmoid(output) for bce, the raw output otherwise.
torch::Tensor discriminator_score(GanLoss loss, const torch::Tensor& output);

// R1 (Mescheder et al. 2018): gamma / 2 * mean over images of |grad_x D(x)|^2, from outputs computed on
// `inputs` (which must require grad). Differentiable (create_graph), so adding it to D's loss trains on it.
torch::Tensor r1_penalty(const torch::Tensor& outputs, const torch::Tensor& inputs, double gamma);
// WGAN-GP (Gulrajani et al. 2017): lambda * mean over images of (|grad D(x_hat)| - 1)^2 on random mixes
// x_hat = e * real + (1 - e) * fake, e ~ U(0, 1) per image from `rng`.
torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake, double lambda, at::Generator& rng);

}  // namespace ganscope
