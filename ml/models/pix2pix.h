// pix2pix (Isola et al.; seeds 000, 001, 002, 004): U-Net generator, PatchGAN discriminator and the training
// task. The task is driven by the trainer thread only; the modules are plain libtorch modules (one thread at a time).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/models/gan_task.h"

namespace ganscope {

// The shape of a U-Net. num_downs halvings take an image of 2^num_downs pixels down to 1x1 (unet_256: 8).
struct UnetOptions {
    int input_nc = 3;
    int output_nc = 3;   // 3 colours, or num_values^3 palette logits (loss palette_ce)
    int num_downs = 8;
    int ngf = 64;        // width of the outermost level; inner levels double it up to 8 * ngf
    bool dropout = true;  // 0.5 in the 8*ngf decoder blocks between the bottleneck and level 4 (as the reference)
    bool tanh = true;     // false for palette logits
};

// Dropout whose masks come from a generator its owner sets (the pix2pix task's own, which checkpoints keep), so
// a resumed run draws the same masks as an uninterrupted one; without one it uses libtorch's default generator.
// Same math as torch::nn::Dropout: zero with probability p, scale the rest by 1 / (1 - p); identity in eval.
struct UnetDropoutImpl : torch::nn::Module {
    explicit UnetDropoutImpl(double p_) : p(p_) {}
    torch::Tensor forward(torch::Tensor x);
    double p;
    std::optional<at::Generator> generator;
};
TORCH_MODULE(UnetDropout);

// One level of the U-Net: down -> inner level -> up, concatenated with its input (except the outermost).
// Layers live in a Sequential named `model`, nested levels at index 1 (outermost) or 3 (middle), so the
// parameter names are exactly those of the reference UnetSkipConnectionBlock ("model.model.1.model.3...").
struct UnetBlockImpl : torch::nn::Module {
    enum class Kind { Outermost, Middle, Innermost };
    UnetBlockImpl(Kind kind, int outer_nc, int inner_nc, int input_nc, std::shared_ptr<UnetBlockImpl> inner,
                  bool dropout, bool tanh);
    torch::Tensor forward(torch::Tensor x);
    torch::nn::Sequential model{nullptr};
    Kind kind;
};
TORCH_MODULE(UnetBlock);

struct UnetGeneratorImpl : torch::nn::Module {
    explicit UnetGeneratorImpl(const UnetOptions& options);
    torch::Tensor forward(torch::Tensor x);  // N x input_nc x S x S, S divisible by 2^num_downs
    // Every dropout layer draws from `generator` (on the device the generator runs on).
    void set_dropout_generator(at::Generator generator);
    UnetBlock model{nullptr};
    UnetOptions options;
};
TORCH_MODULE(UnetGenerator);

// 70x70 PatchGAN (n_layers = 3): a grid of real/fake logits, one per overlapping patch. Sequential `model`
// with the reference NLayerDiscriminator's layout.
struct PatchDiscriminatorImpl : torch::nn::Module {
    PatchDiscriminatorImpl(int input_nc, int ndf, int n_layers);
    torch::Tensor forward(torch::Tensor x);  // N x 1 x P x P logits
    torch::nn::Sequential model{nullptr};
};
TORCH_MODULE(PatchDiscriminator);

// N(0, 0.02) convolution weights, N(1, 0.02) BatchNorm weights, zero biases (the reference's "normal" init),
// drawn from `generator` when given (a CPU one: modules are initialised before they move), else the default.
void pix2pix_init_weights(torch::nn::Module& module, std::optional<at::Generator> generator = std::nullopt);

// How BatchNorm behaves at inference: running statistics (eval, the default) or the batch's own statistics
// (train, what the reference's test.py does without --eval). Dropout stays off either way so outputs are
// deterministic.
enum class NormMode { Eval, Train };
void set_inference_mode(UnetGenerator& generator, NormMode mode);
// Back to training: dropout on, BatchNorm on batch statistics updating the running ones (momentum 0.1).
void set_training_mode(UnetGenerator& generator);

// "unet_128" -> 7, "unet_256" -> 8, "unet_N" -> log2(N); empty -> log2(image_size). Throws naming the value.
int unet_num_downs(const std::string& generator, int image_size);
// The U-Net a config trains: 3 input channels, 3 outputs (or palette logits), widths from g_width.
UnetOptions unet_options_for(const TrainConfig& config);
// n_layers 3 (70x70 receptive field), fewer for images too small for it (16 -> 1, 32 -> 2).
int patch_layers_for(int image_size);

class Pix2PixTask : public GanTask {
public:
    Pix2PixTask(const TrainConfig& config, torch::Device device);
    torch::Tensor train_step(const Batch& batch) override;
    torch::Tensor render_samples() override;  // input | output | target per validation item
    void set_learning_rates(double lr_g, double lr_d) override;
    std::pair<double, double> learning_rates() const override;
    torch::Device device() const override { return m_device; }
    void save(torch::serialize::OutputArchive& archive) override;
    void load(torch::serialize::InputArchive& archive) override;
    WeightsSnapshot snapshot_generator(int64_t step) override;
    int64_t parameter_count() const override;
    std::vector<torch::Tensor> state_tensors() override;
    std::vector<at::Generator> rank_streams() override { return {m_dropout_rng}; }

    // Generator output as colours in [-1, 1] (palette logits decoded), for inputs on any device. No grad.
    torch::Tensor translate(const torch::Tensor& inputs, NormMode mode = NormMode::Eval);
    // Replaces the sample grid's validation items (N x 3 x S x S each, in [-1, 1]).
    void set_validation(torch::Tensor inputs, torch::Tensor targets);
    // (translate(validation inputs), validation targets), for the quality metric.
    std::pair<torch::Tensor, torch::Tensor> validation_outputs() override;

    UnetGenerator& generator() { return m_g; }
    PatchDiscriminator& discriminator() { return m_d; }
    torch::optim::Adam& generator_optimizer() { return *m_opt_g; }
    torch::optim::Adam* discriminator_optimizer() { return m_opt_d.get(); }  // null with palette_ce
    const torch::Tensor& validation_inputs() const { return m_val_inputs; }
    const torch::Tensor& validation_targets() const { return m_val_targets; }
    bool palette_loss() const { return m_palette; }
    bool adversarial() const override { return !m_palette; }

private:
    TrainConfig m_config;
    torch::Device m_device;
    bool m_palette = false;
    UnetGenerator m_g{nullptr};
    PatchDiscriminator m_d{nullptr};  // null with palette_ce (no adversary, as in seed 004)
    std::unique_ptr<torch::optim::Adam> m_opt_g, m_opt_d;
    at::Generator m_dropout_rng;  // the U-Net's dropout masks; saved with the checkpoint for an exact resume
    torch::Tensor m_val_inputs, m_val_targets;
};

}  // namespace ganscope
