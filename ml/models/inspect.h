// What the networks see: the run's discriminator rebuilt from a weights snapshot, judging images
// (DCGAN) or translation pairs patch by patch (pix2pix), and pix2pix's per-pixel error against the targets.
// Any one thread that owns the object; no gradients; results are float tensors on the CPU.
#pragma once

#include <memory>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/models/gan_task.h"

namespace ganscope {

// A pix2pix sample grid's images (Pix2PixTask::render_samples: input, output, target per validation pair)
// taken apart; each N x 3 x H x W, views on the grid's device.
struct TranslationTriples {
    torch::Tensor inputs, outputs, targets;
};
// `images`: SampleGrid::images of a pix2pix run (3N x 3 x H x W). Throws std::invalid_argument when the count
// is not a multiple of three (a run without validation pairs shows one blank image).
TranslationTriples split_translation_grid(const torch::Tensor& images);

// |output - target| averaged over the colour channels, in [-1, 1] units: N x 1 x H x W in [0, 2].
torch::Tensor error_maps(const torch::Tensor& outputs, const torch::Tensor& targets);

// The discriminator of a run rebuilt from a snapshot (DCGAN: DcganDiscriminator; pix2pix: the conditional
// PatchGAN), as SnapshotGenerator rebuilds the generator. BatchNorm uses its running statistics (eval), so an
// image's verdict does not depend on the others in the batch. Training judged DiffAugment-ed images when the
// run used it; these are the plain images' verdicts.
class SnapshotDiscriminator {
public:
    // Throws std::runtime_error when the snapshot carries no discriminator (palette_ce runs have none; history
    // files and served snapshots hold the generator only), CheckpointError when its tensors do not fit.
    explicit SnapshotDiscriminator(const WeightsSnapshot& snapshot, torch::Device device = torch::kCPU);
    ~SnapshotDiscriminator();
    SnapshotDiscriminator(SnapshotDiscriminator&&) noexcept;
    SnapshotDiscriminator& operator=(SnapshotDiscriminator&&) noexcept;

    bool is_conditional() const;  // pix2pix: patch_map(); DCGAN: verdicts()
    // Whether verdicts() are probabilities: D trained with BCE (gan_loss "bce"), whose output is a logit.
    // The other objectives (hinge, lsgan, wgan-gp) have no probability; verdicts() gives their raw score,
    // as the D(x) curves do (discriminator_score in ml/models/gan_losses.h).
    bool verdicts_are_probabilities() const;
    // DCGAN: images N x 3 x S x S in [-1, 1] (S the run's image size) -> N: sigmoid(D(x)), the probability
    // that each image is real; the raw score when !verdicts_are_probabilities().
    torch::Tensor verdicts(const torch::Tensor& images);
    // pix2pix: inputs and outputs N x 3 x H x W in [-1, 1] -> N x 1 x h x w, sigmoid of D(cat(input, output)),
    // the probability that each patch of the output is real given the input.
    torch::Tensor patch_map(const torch::Tensor& inputs, const torch::Tensor& outputs);

    int64_t step() const { return m_step; }
    const TrainConfig& config() const { return m_config; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int64_t m_step = 0;
    TrainConfig m_config;
};

}  // namespace ganscope
