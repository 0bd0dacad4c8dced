// The DCGAN of seed 003 (Radford et al.): models, initialisation and the training task.
#pragma once

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/models/diff_augment.h"
#include "ml/models/gan_losses.h"
#include "ml/models/gan_task.h"

namespace ganscope {

// latent (N x L x 1 x 1) -> ConvTranspose 8w-4w-2w-w (for 64x64; one fewer per halving) -> 3, Tanh.
struct DcganGeneratorImpl : torch::nn::Module {
    DcganGeneratorImpl(int image_size, int latent_dim, int width);
    torch::Tensor forward(torch::Tensor z);  // z: N x L or N x L x 1 x 1
    torch::nn::Sequential net{nullptr};
    int latent_dim;
};
TORCH_MODULE(DcganGenerator);

// image -> Conv w (no BN) - 2w - 4w - 8w with BatchNorm + LeakyReLU(0.2) -> one logit per image.
struct DcganDiscriminatorImpl : torch::nn::Module {
    DcganDiscriminatorImpl(int image_size, int width);
    torch::Tensor forward(torch::Tensor x);  // N x 1 logits
    torch::nn::Sequential net{nullptr};
};
TORCH_MODULE(DcganDiscriminator);

// N(0, 0.02) for convolutions, N(1, 0.02) for BatchNorm weights, zero biases (DCGAN paper); drawn from
// `generator` (default: libtorch's global one).
void dcgan_init_weights(torch::nn::Module& module, std::optional<at::Generator> generator = std::nullopt);
// Throws std::invalid_argument unless size is a power of two in [16, 256].
int dcgan_depth(int image_size);

// Fixed latents for the sample grid: deterministic from the seed, independent of the global RNG.
torch::Tensor make_fixed_latents(int count, int latent_dim, uint64_t seed);

class DcganTask : public GanTask {
public:
    DcganTask(const TrainConfig& config, torch::Device device);
    torch::Tensor train_step(const Batch& batch) override;
    torch::Tensor render_samples() override;
    void set_learning_rates(double lr_g, double lr_d) override;
    std::pair<double, double> learning_rates() const override;
    torch::Device device() const override { return m_device; }
    void save(torch::serialize::OutputArchive& archive) override;
    void load(torch::serialize::InputArchive& archive) override;
    WeightsSnapshot snapshot_generator(int64_t step) override;
    int64_t parameter_count() const override;
    std::vector<torch::Tensor> state_tensors() override;
    std::vector<at::Generator> rank_streams() override { return {m_rng}; }

    DcganGenerator& generator() { return m_g; }
    // What the grid, the explorer, history and exports draw: the weight average when the run keeps one, else G.
    DcganGenerator& sample_generator() { return m_g_ema ? m_g_ema : m_g; }
    DcganDiscriminator& discriminator() { return m_d; }
    // The generator came from a file that holds it alone (ml/run/weights_exchange.h): D is an untrained stranger,
    // so snapshots leave it out until a checkpoint is loaded.
    void forget_discriminator() { m_d_trained = false; }
    torch::Tensor fixed_latents() const override { return m_fixed; }
    torch::Tensor generate(const torch::Tensor& latents) override;
    // The moving average of G (null when ema_decay is 0) and how many updates it has had.
    DcganGenerator& generator_ema() { return m_g_ema; }
    int64_t ema_updates() const { return m_ema_updates; }
    // ema_statistics "recompute": the latents the average's BatchNorm statistics are measured on (undefined otherwise).
    torch::Tensor statistics_latents() const { return m_statistics_latents; }

private:
    TrainConfig m_config;
    torch::Device m_device;
    DcganGenerator m_g{nullptr};
    DcganDiscriminator m_d{nullptr};
    bool m_d_trained = true;  // this run's D (trained from step 0), not a stand-in beside a loaded generator
    std::unique_ptr<torch::optim::Adam> m_opt_g, m_opt_d;
    torch::Tensor m_fixed;
    at::Generator m_rng;  // the noise stream; saved in checkpoints so resume is exact

    // Quality options: the objective, augmentation and the weight average. DiffAugment and WGAN-GP
    // draw from m_rng, so an exact resume needs nothing more.
    GanLoss m_loss = GanLoss::Bce;
    AugmentPolicy m_augment;
    DcganGenerator m_g_ema{nullptr};
    int64_t m_ema_updates = 0;
    // ema_statistics "recompute": the average's BatchNorm statistics are G's until refreshed from these latents.
    void refresh_ema_statistics();
    torch::Tensor m_statistics_latents;
    bool m_ema_statistics_stale = false;
};

}  // namespace ganscope
