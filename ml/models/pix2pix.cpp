// pix2pix models and training step: U-Net + PatchGAN with GAN + lambda * L1, or palette cross-entropy (seed 004).
#include "ml/models/pix2pix.h"

#include <cmath>
#include <stdexcept>

#include "ml/models/fused_adam.h"
#include "ml/run/module_io.h"
#include "ml/data/palette.h"

namespace ganscope {
namespace nn = torch::nn;

torch::Tensor UnetDropoutImpl::forward(torch::Tensor x) {
    if (!is_training() || p <= 0) return x;
    torch::Tensor mask = torch::empty_like(x).bernoulli_(1 - p, generator);
    return x * mask.div_(1 - p);
}

UnetBlockImpl::UnetBlockImpl(Kind kind_, int outer_nc, int inner_nc, int input_nc, std::shared_ptr<UnetBlockImpl> inner,
                             bool dropout, bool tanh)
    : kind(kind_) {
    if (input_nc <= 0) input_nc = outer_nc;
    // With BatchNorm after them the convolutions need no bias; only the final up-convolution keeps one.
    auto down_conv = nn::Conv2d(nn::Conv2dOptions(input_nc, inner_nc, 4).stride(2).padding(1).bias(false));
    auto down_relu = nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true));
    auto up_relu = nn::ReLU(nn::ReLUOptions().inplace(true));
    nn::Sequential seq;
    if (kind == Kind::Outermost) {
        seq->push_back(down_conv);
        seq->push_back(inner);
        seq->push_back(up_relu);
        seq->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(inner_nc * 2, outer_nc, 4).stride(2).padding(1)));
        if (tanh) seq->push_back(nn::Tanh());
    } else if (kind == Kind::Innermost) {
        seq->push_back(down_relu);
        seq->push_back(down_conv);
        seq->push_back(up_relu);
        seq->push_back(nn::ConvTranspose2d(
            nn::ConvTranspose2dOptions(inner_nc, outer_nc, 4).stride(2).padding(1).bias(false)));
        seq->push_back(nn::BatchNorm2d(outer_nc));
    } else {
        seq->push_back(down_relu);
        seq->push_back(down_conv);
        seq->push_back(nn::BatchNorm2d(inner_nc));
        seq->push_back(inner);
        seq->push_back(up_relu);
        seq->push_back(nn::ConvTranspose2d(
            nn::ConvTranspose2dOptions(inner_nc * 2, outer_nc, 4).stride(2).padding(1).bias(false)));
        seq->push_back(nn::BatchNorm2d(outer_nc));
        if (dropout) seq->push_back(UnetDropout(0.5));
    }
    model = register_module("model", seq);
}

torch::Tensor UnetBlockImpl::forward(torch::Tensor x) {
    if (kind == Kind::Outermost) return model->forward(x);
    // The inner path starts with an in-place LeakyReLU, so the skip half of the concatenation holds
    // LeakyReLU(x) rather than x, as in the reference. The parent's up path begins with ReLU, and
    // ReLU(LeakyReLU(x)) == ReLU(x), so this saves a copy without changing the output.
    torch::Tensor inner = model->forward(x);
    return torch::cat({x, inner}, 1);
}

UnetGeneratorImpl::UnetGeneratorImpl(const UnetOptions& o) : options(o) {
    if (o.num_downs < 2) throw std::invalid_argument("U-Net: num_downs " + std::to_string(o.num_downs) + " is too small; use 2 or more");
    // Level i (0 = outermost) maps width(i) -> width(i + 1); widths double from ngf up to 8 * ngf.
    auto width = [&](int level) { return level <= 0 ? 0 : o.ngf * std::min(1 << (level - 1), 8); };
    const int n = o.num_downs;
    std::shared_ptr<UnetBlockImpl> block = std::make_shared<UnetBlockImpl>(
        UnetBlockImpl::Kind::Innermost, width(n - 1), width(n), 0, nullptr, false, false);
    for (int level = n - 2; level >= 1; --level) {
        // The reference puts dropout in the 8*ngf blocks outside the bottleneck (levels 4 .. n-2).
        const bool dropout = o.dropout && level >= 4;
        block = std::make_shared<UnetBlockImpl>(UnetBlockImpl::Kind::Middle, width(level), width(level + 1), 0, block,
                                                dropout, false);
    }
    model = register_module("model", UnetBlock(std::make_shared<UnetBlockImpl>(
                                         UnetBlockImpl::Kind::Outermost, o.output_nc, o.ngf, o.input_nc, block,
                                         false, o.tanh)));
}

torch::Tensor UnetGeneratorImpl::forward(torch::Tensor x) {
    const int64_t factor = int64_t(1) << options.num_downs;
    if (x.dim() != 4 || x.size(1) != options.input_nc || x.size(2) % factor || x.size(3) % factor)
        throw std::invalid_argument("U-Net with " + std::to_string(options.num_downs) + " downsamplings needs N x " +
                                    std::to_string(options.input_nc) + " x H x W with H and W multiples of " +
                                    std::to_string(factor) + ", got " + c10::str(x.sizes()));
    return model->forward(x);
}

void UnetGeneratorImpl::set_dropout_generator(at::Generator generator) {
    for (auto& m : modules(false))
        if (auto* dropout = m->as<UnetDropout>()) dropout->generator = generator;
}

PatchDiscriminatorImpl::PatchDiscriminatorImpl(int input_nc, int ndf, int n_layers) {
    nn::Sequential seq;
    auto lrelu = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)); };
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(input_nc, ndf, 4).stride(2).padding(1)));
    seq->push_back(lrelu());
    int mult = 1, prev = 1;
    for (int i = 1; i < n_layers; ++i) {
        prev = mult;
        mult = std::min(1 << i, 8);
        seq->push_back(nn::Conv2d(nn::Conv2dOptions(ndf * prev, ndf * mult, 4).stride(2).padding(1).bias(false)));
        seq->push_back(nn::BatchNorm2d(ndf * mult));
        seq->push_back(lrelu());
    }
    prev = mult;
    mult = std::min(1 << n_layers, 8);
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(ndf * prev, ndf * mult, 4).stride(1).padding(1).bias(false)));
    seq->push_back(nn::BatchNorm2d(ndf * mult));
    seq->push_back(lrelu());
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(ndf * mult, 1, 4).stride(1).padding(1)));
    model = register_module("model", seq);
}

torch::Tensor PatchDiscriminatorImpl::forward(torch::Tensor x) { return model->forward(x); }

void pix2pix_init_weights(torch::nn::Module& module, std::optional<at::Generator> generator) {
    torch::NoGradGuard no_grad;
    for (auto& m : module.modules(/*include_self=*/true)) {
        if (auto* conv = m->as<nn::Conv2d>()) {
            conv->weight.normal_(0.0, 0.02, generator);
            if (conv->bias.defined()) conv->bias.zero_();
        } else if (auto* deconv = m->as<nn::ConvTranspose2d>()) {
            deconv->weight.normal_(0.0, 0.02, generator);
            if (deconv->bias.defined()) deconv->bias.zero_();
        } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
            bn->weight.normal_(1.0, 0.02, generator);
            bn->bias.zero_();
        }
    }
}

void set_inference_mode(UnetGenerator& generator, NormMode mode) {
    generator->eval();
    if (mode == NormMode::Train)
        for (auto& m : generator->modules(false))
            if (auto* bn = m->as<nn::BatchNorm2d>()) {
                bn->train(true);
                // Batch statistics, but the running ones left as they are: inference must not change the model.
                bn->options.momentum(0.0);
            }
}

void set_training_mode(UnetGenerator& generator) {
    generator->train(true);
    for (auto& m : generator->modules(false))
        if (auto* bn = m->as<nn::BatchNorm2d>()) bn->options.momentum(0.1);
}

int unet_num_downs(const std::string& generator, int image_size) {
    int size = image_size;
    if (!generator.empty()) {
        const std::string prefix = "unet_";
        char* end = nullptr;
        const long v = generator.rfind(prefix, 0) == 0 ? std::strtol(generator.c_str() + prefix.size(), &end, 10) : 0;
        if (v <= 0 || (end && *end) || (v & (v - 1)))
            throw std::invalid_argument("--generator " + generator + ": use unet_128, unet_256 (or unet_N, N a power of two)");
        size = int(v);
    }
    if (size < 4 || (size & (size - 1)))
        throw std::invalid_argument("pix2pix image size " + std::to_string(size) + ": use a power of two of at least 16");
    const int downs = int(std::lround(std::log2(double(size))));
    if (image_size > 0 && image_size % (1 << downs))
        throw std::invalid_argument("--generator " + generator + " needs images whose side is a multiple of " +
                                    std::to_string(1 << downs) + " (got --size " + std::to_string(image_size) + ")");
    return downs;
}

UnetOptions unet_options_for(const TrainConfig& config) {
    UnetOptions o;
    o.num_downs = unet_num_downs(config.generator, config.image_size);
    o.ngf = config.g_width;
    if (config.loss == "palette_ce") {
        o.output_nc = palette_size(config.palette_values);
        o.tanh = false;
    } else if (config.loss != "gan_l1") {
        throw std::invalid_argument("--loss " + config.loss + ": use gan_l1 or palette_ce");
    }
    return o;
}

int patch_layers_for(int image_size) {
    const int log2 = int(std::lround(std::log2(double(std::max(image_size, 1)))));
    return std::max(1, std::min(3, log2 - 3));
}

// ---------------------------------------------------------------------------------------------------------

Pix2PixTask::Pix2PixTask(const TrainConfig& config, torch::Device device)
    : m_config(config), m_device(device), m_palette(config.loss == "palette_ce"),
      m_dropout_rng(make_random_generator(device, config.seed ^ 0xd509u)) {
    if (m_config.image_size <= 0) throw std::invalid_argument("pix2pix: the image size must be resolved before building the task");
    // Initial weights from the run's seed, not from libtorch's global generator: the same config gives the same
    // model whatever ran before on any thread.
    at::Generator init_rng = make_random_generator(torch::kCPU, config.seed);
    m_g = UnetGenerator(unet_options_for(m_config));
    pix2pix_init_weights(*m_g, init_rng);
    // Weights stay NCHW: channels_last (which helps DCGAN) made the pix2pix training step slower on the CPU,
    // its convolution backward copying the large inner weights, and inference no faster (docs/benchmarks.md).
    m_g->to(device);
    m_g->set_dropout_generator(m_dropout_rng);
    const auto betas = std::make_tuple(config.beta1, config.beta2);
    m_opt_g = std::make_unique<torch::optim::Adam>(m_g->parameters(),
                                                   torch::optim::AdamOptions(config.lr_g).betas(betas));
    if (!m_palette) {
        // D judges (input, output) pairs: 3 + 3 channels.
        m_d = PatchDiscriminator(6, config.d_width, patch_layers_for(config.image_size));
        pix2pix_init_weights(*m_d, init_rng);
        m_d->to(device);
        m_opt_d = std::make_unique<torch::optim::Adam>(m_d->parameters(),
                                                       torch::optim::AdamOptions(config.lr_d).betas(betas));
    }
}

torch::Tensor Pix2PixTask::train_step(const Batch& batch) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const torch::Tensor input = batch.input, target = batch.target;
    if (!input.defined()) throw std::invalid_argument("pix2pix: a batch without inputs (the data must be paired)");
    set_training_mode(m_g);
    if (m_palette) {
        // Seed 004: one softmax over the palette per pixel, trained with cross-entropy; no adversary.
        torch::Tensor logits = m_g->forward(input);
        torch::Tensor loss = torch::nn::functional::cross_entropy(logits, palette_indices(target, m_config.palette_values));
        m_opt_g->zero_grad();
        loss.backward();
        sync_gradients(*m_g);  // across ranks; nothing when training alone
        fused_adam_step(*m_opt_g);
        // No discriminator: its loss, D(x) and D(G(x)) do not exist (NaN, left out of the logs).
        torch::Tensor l = loss.detach().to(torch::kFloat).reshape({1});
        auto n = torch::full({1}, nan, l.options());
        return torch::cat({l, n, n, n, l, n});
    }

    m_d->train();
    torch::Tensor fake = m_g->forward(input);
    namespace F = torch::nn::functional;
    // D: real pairs -> 1, fake pairs -> 0, halved as in the paper so D learns slower than G.
    for (auto& p : m_d->parameters()) p.set_requires_grad(true);
    m_opt_d->zero_grad();
    torch::Tensor pred_fake = m_d->forward(torch::cat({input, fake.detach()}, 1));
    torch::Tensor pred_real = m_d->forward(torch::cat({input, target}, 1));
    torch::Tensor loss_d = 0.5 * (F::binary_cross_entropy_with_logits(pred_fake, torch::zeros_like(pred_fake)) +
                                  F::binary_cross_entropy_with_logits(pred_real, torch::ones_like(pred_real)));
    loss_d.backward();
    sync_gradients(*m_d);
    fused_adam_step(*m_opt_d);

    // G: fool D, and stay close to the target in L1. D's parameters need no gradients here.
    for (auto& p : m_d->parameters()) p.set_requires_grad(false);
    m_opt_g->zero_grad();
    torch::Tensor pred = m_d->forward(torch::cat({input, fake}, 1));
    torch::Tensor loss_gan = F::binary_cross_entropy_with_logits(pred, torch::ones_like(pred));
    torch::Tensor loss_l1 = F::l1_loss(fake, target);
    torch::Tensor loss_g = loss_gan + m_config.lambda_l1 * loss_l1;
    loss_g.backward();
    sync_gradients(*m_g);
    fused_adam_step(*m_opt_g);
    for (auto& p : m_d->parameters()) p.set_requires_grad(true);

    auto scalar = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat).reshape({1}); };
    // As seed 002 logs them: the total G loss, its GAN term, the unweighted L1, and D's loss.
    return torch::cat({scalar(loss_g), scalar(loss_d), scalar(torch::sigmoid(pred_real.detach()).mean()),
                       scalar(torch::sigmoid(pred_fake.detach()).mean()), scalar(loss_l1), scalar(loss_gan)});
}

torch::Tensor Pix2PixTask::translate(const torch::Tensor& inputs, NormMode mode) {
    torch::NoGradGuard no_grad;
    const bool was_training = m_g->is_training();
    set_inference_mode(m_g, mode);
    torch::Tensor out = m_g->forward(inputs.to(m_device));
    if (m_palette) out = palette_decode(out, m_config.palette_values);
    if (was_training) set_training_mode(m_g);
    return out;
}

void Pix2PixTask::set_validation(torch::Tensor inputs, torch::Tensor targets) {
    m_val_inputs = inputs.to(m_device);
    m_val_targets = targets.to(m_device);
}

std::pair<torch::Tensor, torch::Tensor> Pix2PixTask::validation_outputs() {
    if (!m_val_inputs.defined() || m_val_inputs.size(0) == 0) return {};
    return {translate(m_val_inputs), m_val_targets};
}

torch::Tensor Pix2PixTask::render_samples() {
    if (!m_val_inputs.defined() || m_val_inputs.size(0) == 0)
        return torch::zeros({1, 3, m_config.image_size, m_config.image_size}, torch::TensorOptions(m_device));
    torch::Tensor out = translate(m_val_inputs);
    // Interleave: input_0, output_0, target_0, input_1, ...
    return torch::stack({m_val_inputs, out, m_val_targets}, 1).flatten(0, 1);
}

void Pix2PixTask::set_learning_rates(double lr_g, double lr_d) {
    for (auto& group : m_opt_g->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_g);
    if (m_opt_d)
        for (auto& group : m_opt_d->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_d);
}

std::pair<double, double> Pix2PixTask::learning_rates() const {
    return {adam_lr(*m_opt_g), m_opt_d ? adam_lr(*m_opt_d) : 0.0};
}

void Pix2PixTask::save(torch::serialize::OutputArchive& archive) {
    save_module(archive, "generator", *m_g);
    save_optimizer(archive, "optimizer_g", *m_opt_g);
    if (m_d) {
        save_module(archive, "discriminator", *m_d);
        save_optimizer(archive, "optimizer_d", *m_opt_d);
    }
    if (m_val_inputs.defined()) {
        archive.write("validation_inputs", m_val_inputs.cpu());
        archive.write("validation_targets", m_val_targets.cpu());
    }
    save_device_generator_state(archive, "dropout_rng", m_dropout_rng);
}

void Pix2PixTask::load(torch::serialize::InputArchive& archive) {
    load_module(archive, "generator", *m_g);
    load_optimizer(archive, "optimizer_g", *m_opt_g);
    if (m_d) {
        load_module(archive, "discriminator", *m_d);
        load_optimizer(archive, "optimizer_d", *m_opt_d);
    }
    torch::Tensor inputs, targets;
    if (archive.try_read("validation_inputs", inputs) && archive.try_read("validation_targets", targets))
        set_validation(inputs, targets);
    // Checkpoints from before the dropout generator, or from another device type, have none to restore: training
    // goes on with this task's own draws.
    load_device_generator_state(archive, "dropout_rng", m_dropout_rng);
}

WeightsSnapshot Pix2PixTask::snapshot_generator(int64_t step) {
    WeightsSnapshot snap;
    snap.step = step;
    snap.config = m_config;
    snap.tensors = clone_named_tensors(*m_g);
    if (m_d) snap.discriminator = clone_named_tensors(*m_d);  // palette_ce trains none
    return snap;
}

std::vector<torch::Tensor> Pix2PixTask::state_tensors() {
    std::vector<torch::Tensor> out;
    std::vector<torch::nn::Module*> modules{m_g.get()};
    if (m_d) modules.push_back(m_d.get());  // palette_ce has no discriminator
    for (torch::nn::Module* module : modules) {
        for (auto& p : module->parameters()) out.push_back(p);
        for (auto& b : module->buffers()) out.push_back(b);
    }
    return out;
}

int64_t Pix2PixTask::parameter_count() const {
    int64_t n = 0;
    for (const auto& p : m_g->parameters()) n += p.numel();
    if (m_d)
        for (const auto& p : m_d->parameters()) n += p.numel();
    return n;
}

}  // namespace ganscope
