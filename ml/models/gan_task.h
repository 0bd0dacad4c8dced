// A trainable GAN (DCGAN, pix2pix, ...) as the trainer thread sees it. Only the trainer thread calls it.
#pragma once

#include <utility>

#include <memory>
#include <string>
#include <vector>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "ml/config.h"

namespace ganscope {

// One training batch, already on the task's device. `input` is the condition (pix2pix) or undefined.
struct Batch {
    torch::Tensor target;  // N x 3 x H x W in [-1, 1]: real images (DCGAN) or translation targets
    torch::Tensor input;   // N x C x H x W in [-1, 1], or undefined
};

// Indices into the stats tensor a train step returns.
// kLossG is what the generator minimises (pix2pix: GAN term + lambda * L1), kLossGan its adversarial term where it has
// others besides (NaN otherwise); kLossD, kDReal and kDFake are NaN for a task without a discriminator.
enum StatIndex { kLossG = 0, kLossD, kDReal, kDFake, kLossAux, kLossGan, kStatCount };

// Named copies of a generator's parameters and buffers: what the explorer and history snapshots carry. The
// discriminator rides along for the Inspect panel (ml/models/inspect.h); history files and served snapshots
// (save_snapshot) hold the generator only, so what they load back has none.
struct WeightsSnapshot {
    int64_t step = 0;
    TrainConfig config;
    std::vector<std::pair<std::string, torch::Tensor>> tensors;  // cloned, detached
    // cloned, detached; empty when the run has none (palette_ce) or the source does not carry it
    std::vector<std::pair<std::string, torch::Tensor>> discriminator;
    // Recorded after the clones on the stream that made them (CUDA); null on the CPU. A reader on another stream
    // waits on it before it copies the tensors.
    std::shared_ptr<c10::Event> ready;
};

// Where a viewer renders a snapshot: the GPU its tensors are on; else, since files are read onto the CPU whatever
// wrote them, the first GPU when this machine has one; else the CPU.
inline torch::Device render_device(const WeightsSnapshot& snapshot) {
    if (!snapshot.tensors.empty() && snapshot.tensors[0].second.is_cuda()) return snapshot.tensors[0].second.device();
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

// Averages gradients across ranks after a backward (ml/train/distributed.h); a task calls it between backward and step.
class GradientSync {
public:
    virtual ~GradientSync() = default;
    virtual void average(torch::nn::Module& module) = 0;
};

class GanTask {
public:
    virtual ~GanTask() = default;

    // One optimisation step of D then G. Returns a kStatCount float tensor on the device; no host sync.
    virtual torch::Tensor train_step(const Batch& batch) = 0;
    // The sample grid: generator outputs for the fixed latents / validation inputs, N x 3 x H x W in [-1, 1].
    // For image-to-image tasks the grid interleaves input | output | target.
    virtual torch::Tensor render_samples() = 0;
    virtual void set_learning_rates(double lr_g, double lr_d) = 0;
    // The rates the optimisers step with now (G, D; D is 0 for a task without a discriminator).
    virtual std::pair<double, double> learning_rates() const = 0;
    virtual torch::Device device() const = 0;
    // Whether the task trains a discriminator (seed 004's palette model has none): its D figures are NaN otherwise.
    virtual bool adversarial() const { return true; }

    // Everything needed to continue exactly: weights, optimiser state, fixed inputs.
    virtual void save(torch::serialize::OutputArchive& archive) = 0;
    virtual void load(torch::serialize::InputArchive& archive) = 0;

    // The latents behind the sample grid (N x latent_dim), for tools beside the checkpoint; undefined for tasks
    // whose grid comes from validation images.
    virtual torch::Tensor fixed_latents() const { return {}; }

    // For the quality metric. Unconditional tasks: images (N x 3 x H x W in [-1, 1]) of latents from
    // the generator the grid shows (the weight average when on), no grad; undefined when the task has no latents.
    virtual torch::Tensor generate(const torch::Tensor& /*latents*/) { return {}; }
    // Image-to-image tasks: (outputs, targets) of the validation pairs; undefined tensors when there are none.
    virtual std::pair<torch::Tensor, torch::Tensor> validation_outputs() { return {}; }

    virtual WeightsSnapshot snapshot_generator(int64_t step) = 0;
    virtual int64_t parameter_count() const = 0;

    // Distributed training (ml/train/distributed.h) ---------------------------------------------------
    // Every parameter and buffer of both networks, in a fixed order: what rank 0 broadcasts.
    virtual std::vector<torch::Tensor> state_tensors() = 0;
    // The random streams that must differ between ranks (noise, dropout masks); the same objects each call.
    virtual std::vector<at::Generator> rank_streams() = 0;
    // Gradients are averaged through `sync` after each backward; null (the default) trains alone.
    void set_gradient_sync(GradientSync* sync) { m_gradient_sync = sync; }

protected:
    void sync_gradients(torch::nn::Module& module) {
        if (m_gradient_sync) m_gradient_sync->average(module);
    }

private:
    GradientSync* m_gradient_sync = nullptr;
};

// The learning rate of an Adam optimiser's first parameter group.
inline double adam_lr(const torch::optim::Optimizer& optimizer) {
    return static_cast<const torch::optim::AdamOptions&>(optimizer.param_groups().at(0).options()).lr();
}

}  // namespace ganscope
