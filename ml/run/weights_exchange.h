// Weights in and out of Python PyTorch as plain state_dict files: export a checkpoint's generator or
// discriminator in the layouts Python code builds (seed 003's nn.Sequential DCGAN, junyanz's pix2pix networks), and
// open a seed-003 generator state_dict trained anywhere. Any thread (no shared state).
#pragma once

#include <optional>
#include <string>

#include <torch/torch.h>

#include "ml/models/dcgan.h"
#include "ml/models/gan_task.h"
#include "ml/run/reference_weights.h"

namespace ganscope {

// Generator: what the run's grid, explorer and history draw (a DCGAN's weight average when it keeps one);
// GeneratorRaw: the generator the optimiser trains (the same network when there is no average).
enum class ExportPart { Generator, GeneratorRaw, Discriminator };
// "generator" | "generator_raw" | "discriminator"; throws std::invalid_argument
ExportPart parse_export_part(const std::string& what);

// DCGAN modules under nn.Sequential's names ("0.weight", "1.running_mean", ...): ganscope's `net.` prefix dropped.
// The generator is seed 003's layout exactly; the discriminator is the DCGAN paper's (no BatchNorm on its first
// layer, no Sigmoid: it gives logits), which seed 003's discriminator is not (it adds a BatchNorm after the first
// convolution), so it loads into the Sequential that docs/interop.md lists.
StateDict dcgan_state_dict(const torch::nn::Module& module);

// The state_dict that `ganscope export` writes for a checkpoint: DCGAN as above; pix2pix as junyanz's
// UnetGenerator / NLayerDiscriminator (latest_net_G.pth / latest_net_D.pth). Tensors contiguous on the CPU.
// Throws CheckpointError naming the file (not a checkpoint, a pix2pix run without a discriminator, ...).
StateDict export_state_dict(const std::string& checkpoint_path, ExportPart part);

// The shape of a seed-003 generator state_dict, inferred from its tensors.
struct DcganShape {
    int latent_dim = 0;
    int image_size = 0;
    int width = 0;  // the last hidden layer's channels; earlier layers double it
};
// Throws CheckpointError (one line naming `origin`, the keys expected and those found) for any other layout.
DcganShape infer_dcgan_generator(const StateDict& state, const std::string& origin);
// A seed-003 generator state_dict as a weights snapshot (step 0, a DCGAN config of the inferred sizes), every name
// and shape checked; num_batches_tracked may be absent. Throws CheckpointError naming `origin`.
WeightsSnapshot dcgan_snapshot_from_state_dict(const StateDict& state, const std::string& origin);

// What `--open FILE` found: nullopt for a ganscope checkpoint (open it as one), the generator for a seed-003
// state_dict. Throws CheckpointError, one line naming the file, when it is missing or neither.
std::optional<WeightsSnapshot> read_plain_generator(const std::string& path);
// Copies a generator snapshot into a DCGAN task built from the snapshot's config; throws CheckpointError otherwise.
// The task's snapshots then carry no discriminator (its D was never trained), until a checkpoint is loaded.
void load_generator_weights(GanTask& task, const WeightsSnapshot& snapshot, const std::string& origin);

}  // namespace ganscope
