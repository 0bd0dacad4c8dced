// Generator weights in the reference implementation's format (junyanz/pytorch-CycleGAN-and-pix2pix
// `latest_net_G.pth`: a pickled state_dict of UnetGenerator): load into ganscope's U-Net and export for Python.
// Any thread (no shared state).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "ml/models/pix2pix.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {

using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// Reads a file written by torch.save(state_dict) (zip or legacy format) or a safetensors file. Throws
// CheckpointError naming the file when it is missing or not a dict of tensors.
StateDict read_state_dict(const std::string& path);
// Writes a state_dict that Python's torch.load reads (torch.save's zip format), or safetensors.torch.load_file
// when the path ends in .safetensors, atomically (temp + rename).
void write_state_dict(const std::string& path, const StateDict& state);

// The U-Net shape a reference state_dict describes (input/output channels, depth, width); throws
// CheckpointError naming the keys when it is not a UnetGenerator (a resnet_9blocks, a discriminator, ...).
UnetOptions infer_unet_options(const StateDict& state, const std::string& origin);
// The same from declared shapes only (nothing loaded yet). Depth, width and channels are bounded (at most
// kMaxUnetDepth levels, the 512-pixel U-Net), so key names cannot describe an absurd network.
using ShapeList = std::vector<std::pair<std::string, std::vector<int64_t>>>;
UnetOptions infer_unet_options(const ShapeList& shapes, const std::string& origin);
constexpr int kMaxUnetDepth = 9;
constexpr int kMaxUnetWidth = 512;
// Copies a reference state_dict into `generator`, checking every name and shape; mismatches are listed by name.
// num_batches_tracked may be absent (files from PyTorch < 0.4.1).
void load_unet_state_dict(UnetGenerator& generator, const StateDict& state, const std::string& origin);
// The generator's parameters and buffers under the reference's names.
StateDict unet_state_dict(const UnetGenerator& generator);

// Builds the U-Net an opened file describes on the CPU: its shapes are checked against that architecture
// before any tensor is read, so the file makes ganscope allocate at most what the model needs (and the
// bytes of one tensor at a time). Fills `options` when given. Throws CheckpointError (one line).
UnetGenerator load_reference_unet(const TorchSaveFile& file, UnetOptions* options = nullptr);
// Reads a reference `latest_net_G.pth` and builds the U-Net it describes, weights loaded, on `device`.
UnetGenerator load_reference_generator(const std::string& path, torch::Device device);

}  // namespace ganscope
