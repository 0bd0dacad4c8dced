// DCGAN generator, discriminator and training step (seed 003; Radford et al. 2015).
#include "ml/models/dcgan.h"

#include <cmath>
#include <limits>

#include "ml/models/ema.h"
#include "ml/models/fused_adam.h"
#include "ml/run/module_io.h"

namespace ganscope {
namespace nn = torch::nn;

int dcgan_depth(int image_size) {
    if (image_size < 16 || image_size > 256 || (image_size & (image_size - 1)))
        throw std::invalid_argument("DCGAN image size " + std::to_string(image_size) +
                                    ": use a power of two from 16 to 256 (32, 64, 128)");
    int depth = 0;
    for (int s = 4; s < image_size; s *= 2) ++depth;
    return depth;  // stride-2 stages between 4x4 and the image
}

DcganGeneratorImpl::DcganGeneratorImpl(int image_size, int latent, int width) : latent_dim(latent) {
    const int depth = dcgan_depth(image_size);
    int channels = width << (depth - 1);  // 512 for 64x64 with width 64
    net = nn::Sequential();
    net->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(latent, channels, 4).stride(1).padding(0).bias(false)));
    net->push_back(nn::BatchNorm2d(channels));
    net->push_back(nn::ReLU(nn::ReLUOptions(true)));
    for (int i = 1; i < depth; ++i) {
        net->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels, channels / 2, 4).stride(2).padding(1).bias(false)));
        net->push_back(nn::BatchNorm2d(channels / 2));
        net->push_back(nn::ReLU(nn::ReLUOptions(true)));
        channels /= 2;
    }
    net->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels, 3, 4).stride(2).padding(1).bias(false)));
    net->push_back(nn::Tanh());
    register_module("net", net);
}

torch::Tensor DcganGeneratorImpl::forward(torch::Tensor z) {
    if (z.dim() == 2) z = z.view({z.size(0), z.size(1), 1, 1});
    return net->forward(z);
}

DcganDiscriminatorImpl::DcganDiscriminatorImpl(int image_size, int width) {
    const int depth = dcgan_depth(image_size);
    net = nn::Sequential();
    int channels = width;
    net->push_back(nn::Conv2d(nn::Conv2dOptions(3, channels, 4).stride(2).padding(1).bias(false)));
    net->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
    for (int i = 1; i < depth; ++i) {
        net->push_back(nn::Conv2d(nn::Conv2dOptions(channels, channels * 2, 4).stride(2).padding(1).bias(false)));
        net->push_back(nn::BatchNorm2d(channels * 2));
        net->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
        channels *= 2;
    }
    net->push_back(nn::Conv2d(nn::Conv2dOptions(channels, 1, 4).stride(1).padding(0).bias(false)));
    register_module("net", net);
}

torch::Tensor DcganDiscriminatorImpl::forward(torch::Tensor x) { return net->forward(x).view({x.size(0), 1}); }

void dcgan_init_weights(nn::Module& module, std::optional<at::Generator> generator) {
    torch::NoGradGuard no_grad;
    for (auto& m : module.modules(/*include_self=*/false)) {
        const std::string name = m->name();
        if (name == "torch::nn::Conv2dImpl" || name == "torch::nn::ConvTranspose2dImpl") {
            for (auto& p : m->named_parameters(false)) {
                if (p.key() == "weight") p.value().normal_(0.0, 0.02, generator);
                else p.value().zero_();
            }
        } else if (name == "torch::nn::BatchNorm2dImpl") {
            for (auto& p : m->named_parameters(false)) {
                if (p.key() == "weight") p.value().normal_(1.0, 0.02, generator);
                else p.value().zero_();
            }
        }
    }
}

torch::Tensor make_fixed_latents(int count, int latent_dim, uint64_t seed) {
    auto gen = make_random_generator(torch::kCPU, seed ^ 0x5eedf1edull);
    return torch::randn({count, latent_dim}, gen, torch::kFloat32);
}

DcganTask::DcganTask(const TrainConfig& config, torch::Device device)
    : m_config(config), m_device(device), m_rng(make_random_generator(device, config.seed)) {
    // Initial weights from the run's seed, not from libtorch's global generator (which torch::manual_seed would
    // reseed for every thread): two ranks that are threads of one process, or a window's workers beside a
    // trainer, cannot interleave their draws with this run's, so the same config always gives the same model.
    at::Generator init_rng = make_random_generator(torch::kCPU, config.seed);
    m_g = DcganGenerator(config.image_size, config.latent_dim, config.g_width);
    m_d = DcganDiscriminator(config.image_size, config.d_width);
    dcgan_init_weights(*m_g, init_rng);
    dcgan_init_weights(*m_d, init_rng);
    m_g->to(device);
    m_d->to(device);
    // channels_last lets oneDNN (CPU) and cuDNN (GPU) pick their faster NHWC kernels; Adam's state follows.
    for (auto* module : {static_cast<nn::Module*>(m_g.get()), static_cast<nn::Module*>(m_d.get())})
        for (auto& p : module->parameters())
            if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
    auto options = [&](double lr) { return torch::optim::AdamOptions(lr).betas({config.beta1, config.beta2}); };
    m_opt_g = std::make_unique<torch::optim::Adam>(m_g->parameters(), options(config.lr_g));
    m_opt_d = std::make_unique<torch::optim::Adam>(m_d->parameters(), options(config.lr_d));
    m_fixed = make_fixed_latents(config.grid_count, config.latent_dim, config.seed).to(device);

    // Quality options.
    m_loss = parse_gan_loss(config.gan_loss);
    m_augment = parse_augment_policy(config.diffaug);
    if (config.ema_decay > 0) {
        m_g_ema = DcganGenerator(config.image_size, config.latent_dim, config.g_width);
        m_g_ema->to(device);
        for (auto& p : m_g_ema->parameters()) {
            p.requires_grad_(false);
            if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
        }
        ema_copy(*m_g_ema, *m_g);
        m_g_ema->eval();  // it only ever renders: BatchNorm from the running statistics copied from G
        if (config.ema_statistics == "recompute") {
            m_statistics_latents = make_fixed_latents(256, config.latent_dim, config.seed + 0xb47c).to(device);
            m_ema_statistics_stale = true;
        }
    }
}

torch::Tensor DcganTask::train_step(const Batch& batch) {
    const torch::Tensor real = batch.target.contiguous(torch::MemoryFormat::ChannelsLast);
    const int64_t n = real.size(0);
    m_g->train();
    m_d->train();
    const auto options = torch::TensorOptions(real.device()).dtype(real.dtype());
    auto z = torch::randn({n, m_config.latent_dim, 1, 1}, m_rng, options);
    // DiffAugment: one draw per step, the same transforms for the reals and the fakes of D's and G's steps.
    AugmentParams augment;
    if (m_augment.any()) augment = draw_augment(m_augment, n, real.size(3), m_rng, options);
    auto judge = [&](const torch::Tensor& x) { return m_d->forward(apply_augment(m_augment, x, augment)); };

    // Discriminator: real -> 1, fake -> 0 (or the chosen objective's targets).
    m_opt_d->zero_grad();
    const bool r1 = m_config.r1_gamma > 0;
    const torch::Tensor real_in = r1 ? real.detach().requires_grad_(true) : real;
    auto logits_real = judge(real_in);
    auto fake = m_g->forward(z);
    auto logits_fake = judge(fake.detach());
    auto loss_d = discriminator_loss(m_loss, logits_real, logits_fake);
    if (r1) loss_d = loss_d + r1_penalty(logits_real, real_in, m_config.r1_gamma);
    if (m_loss == GanLoss::WganGp) loss_d = loss_d + gradient_penalty(judge, real, fake, 10.0, m_rng);
    loss_d.backward();
    sync_gradients(*m_d);       // across ranks; nothing when training alone
    fused_adam_step(*m_opt_d);  // the same update as m_opt_d->step(), in one pass (fused_adam.h)

    // Generator: make D call fakes real. D's own weight gradients are not needed here, so skip computing them.
    m_opt_g->zero_grad();
    for (auto& p : m_d->parameters()) p.requires_grad_(false);
    const torch::Tensor fake_g =
        m_config.fresh_g_latents ? m_g->forward(torch::randn({n, m_config.latent_dim, 1, 1}, m_rng, options)) : fake;
    auto loss_g = generator_loss(m_loss, judge(fake_g));
    loss_g.backward();
    for (auto& p : m_d->parameters()) p.requires_grad_(true);
    sync_gradients(*m_g);
    fused_adam_step(*m_opt_g);
    if (m_g_ema) {
        ema_update(*m_g_ema, *m_g, ema_decay_at(m_config.ema_decay, m_ema_updates++));
        m_ema_statistics_stale = m_statistics_latents.defined();
    }

    torch::NoGradGuard no_grad;
    return torch::stack({loss_g.detach(), loss_d.detach(), discriminator_score(m_loss, logits_real.detach()),
                         discriminator_score(m_loss, logits_fake.detach()),
                         torch::full({}, std::numeric_limits<float>::quiet_NaN(), options),
                         torch::full({}, std::numeric_limits<float>::quiet_NaN(), options)});
}

torch::Tensor DcganTask::render_samples() { return generate(m_fixed); }

void DcganTask::refresh_ema_statistics() {
    if (!m_ema_statistics_stale) return;
    torch::NoGradGuard no_grad;
    // One pass in train mode with momentum 1: each running statistic becomes that batch's.
    std::vector<std::pair<nn::BatchNorm2dImpl*, std::optional<double>>> norms;
    for (auto& m : m_g_ema->modules(false))
        if (auto* bn = dynamic_cast<nn::BatchNorm2dImpl*>(m.get())) {
            norms.emplace_back(bn, bn->options.momentum());
            bn->options.momentum(1.0);
        }
    m_g_ema->train();
    m_g_ema->forward(m_statistics_latents);
    m_g_ema->eval();
    for (auto& [bn, momentum] : norms) bn->options.momentum(momentum);
    m_ema_statistics_stale = false;
}

torch::Tensor DcganTask::generate(const torch::Tensor& latents) {
    torch::NoGradGuard no_grad;
    refresh_ema_statistics();
    DcganGenerator& g = sample_generator();
    const bool was_training = g->is_training();
    g->eval();
    auto images = g->forward(latents.to(m_device)).contiguous();
    if (was_training) g->train();
    return images;
}

void DcganTask::set_learning_rates(double lr_g, double lr_d) {
    for (auto& group : m_opt_g->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_g);
    for (auto& group : m_opt_d->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_d);
}

std::pair<double, double> DcganTask::learning_rates() const { return {adam_lr(*m_opt_g), adam_lr(*m_opt_d)}; }

void DcganTask::save(torch::serialize::OutputArchive& archive) {
    save_module(archive, "generator", *m_g);
    save_module(archive, "discriminator", *m_d);
    save_optimizer(archive, "optimizer_g", *m_opt_g);
    save_optimizer(archive, "optimizer_d", *m_opt_d);
    save_device_generator_state(archive, "rng", m_rng);
    archive.write("fixed_latents", m_fixed.cpu());
    if (m_g_ema) {
        refresh_ema_statistics();
        save_module(archive, "generator_ema", *m_g_ema);
        archive.write("ema_updates", c10::IValue(m_ema_updates));
    }
}

void DcganTask::load(torch::serialize::InputArchive& archive) {
    load_module(archive, "generator", *m_g);
    load_module(archive, "discriminator", *m_d);
    load_optimizer(archive, "optimizer_g", *m_opt_g);
    load_optimizer(archive, "optimizer_d", *m_opt_d);
    load_device_generator_state(archive, "rng", m_rng);  // none from another device type: this task's seed goes on
    m_d_trained = true;
    torch::Tensor fixed;
    if (archive.try_read("fixed_latents", fixed)) m_fixed = fixed.to(m_device);
    if (m_g_ema) {
        load_module(archive, "generator_ema", *m_g_ema);
        c10::IValue updates;
        if (!archive.try_read("ema_updates", updates)) throw CheckpointError("checkpoint has no ema_updates for its weight average");
        m_ema_updates = updates.toInt();
        m_ema_statistics_stale = m_statistics_latents.defined();
    }
}

WeightsSnapshot DcganTask::snapshot_generator(int64_t step) {
    WeightsSnapshot s;
    s.step = step;
    s.config = m_config;
    refresh_ema_statistics();
    s.tensors = clone_named_tensors(*sample_generator());  // the average when on: what the grid shows
    if (m_d_trained) s.discriminator = clone_named_tensors(*m_d);
    return s;
}

std::vector<torch::Tensor> DcganTask::state_tensors() {
    std::vector<torch::Tensor> out;
    for (auto* module : {static_cast<nn::Module*>(m_g.get()), static_cast<nn::Module*>(m_d.get())}) {
        for (auto& p : module->parameters()) out.push_back(p);
        for (auto& b : module->buffers()) out.push_back(b);
    }
    return out;
}

int64_t DcganTask::parameter_count() const {
    int64_t n = 0;
    for (const auto& p : m_g->parameters()) n += p.numel();
    for (const auto& p : m_d->parameters()) n += p.numel();
    return n;
}

}  // namespace ganscope
