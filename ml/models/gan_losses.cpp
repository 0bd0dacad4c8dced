// GAN objectives and gradient penalties (see gan_losses.h). Any thread.
#include "ml/models/gan_losses.h"

#include <stdexcept>

namespace ganscope {
namespace F = torch::nn::functional;

GanLoss parse_gan_loss(const std::string& name) {
    if (name == "bce") return GanLoss::Bce;
    if (name == "hinge") return GanLoss::Hinge;
    if (name == "lsgan") return GanLoss::Lsgan;
    if (name == "wgan-gp") return GanLoss::WganGp;
    throw std::invalid_argument("--gan-loss " + name + ": use bce, hinge, lsgan or wgan-gp");
}

const char* to_string(GanLoss loss) {
    switch (loss) {
        case GanLoss::Bce: return "bce";
        case GanLoss::Hinge: return "hinge";
        case GanLoss::Lsgan: return "lsgan";
        case GanLoss::WganGp: return "wgan-gp";
    }
    return "?";
}

torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& real, const torch::Tensor& fake) {
    switch (loss) {
        case GanLoss::Bce:
            // binary_cross_entropy_with_logits(r, 1) = softplus(-r); (f, 0) = softplus(f). The library call is the
            // numerically careful form of both.
            return F::binary_cross_entropy_with_logits(real, torch::ones_like(real)) +
                   F::binary_cross_entropy_with_logits(fake, torch::zeros_like(fake));
        case GanLoss::Hinge: return torch::relu(1 - real).mean() + torch::relu(1 + fake).mean();
        case GanLoss::Lsgan: return (real - 1).square().mean() + fake.square().mean();
        case GanLoss::WganGp: return fake.mean() - real.mean();
    }
    throw std::logic_error("discriminator_loss: unknown loss");
}

torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& fake) {
    switch (loss) {
        case GanLoss::Bce: return F::binary_cross_entropy_with_logits(fake, torch::ones_like(fake));
        case GanLoss::Lsgan: return (fake - 1).square().mean();
        case GanLoss::Hinge:
        case GanLoss::WganGp: return -fake.mean();
    }
    throw std::logic_error("generator_loss: unknown loss");
}

torch::Tensor discriminator_score(GanLoss loss, const torch::Tensor& output) {
    return loss == GanLoss::Bce ? torch::sigmoid(output).mean() : output.mean();
}

torch::Tensor r1_penalty(const torch::Tensor& outputs, const torch::Tensor& inputs, double gamma) {
    const torch::Tensor grad = torch::autograd::grad({outputs.sum()}, {inputs}, /*grad_outputs=*/{},
                                                     /*retain_graph=*/true, /*create_graph=*/true)[0];
    return 0.5 * gamma * grad.square().flatten(1).sum(1).mean();
}

torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake, double lambda, at::Generator& rng) {
    const torch::Tensor e = torch::rand({real.size(0), 1, 1, 1}, rng, real.options());
    const torch::Tensor mixed = (e * real.detach() + (1 - e) * fake.detach()).requires_grad_(true);
    const torch::Tensor out = critic(mixed);
    const torch::Tensor grad = torch::autograd::grad({out.sum()}, {mixed}, {}, /*retain_graph=*/true,
                                                     /*create_graph=*/true)[0];
    return lambda * (grad.flatten(1).norm(2, torch::IntArrayRef{1}) - 1).square().mean();
}

}  // namespace ganscope
