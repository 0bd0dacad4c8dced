// Which device a command trains or evaluates on: the --device value checked against the GPUs this machine has. Any
// thread.
#pragma once

#include <string>

#include <torch/torch.h>

namespace ganscope {

// "auto" (cuda:0 when a GPU exists, else the CPU), "cpu", "cuda" (cuda:0) or "cuda:N", among `cuda_count` GPUs.
// Throws std::invalid_argument, one line naming --device and what to use instead, for anything else: an unknown
// name, a CUDA device on a machine without one, or an index past the last GPU. The result always has an index
// when it is a GPU, so events and streams recorded on it name a real device.
torch::Device resolve_device(const std::string& name, int cuda_count);
// The same with this machine's GPU count.
torch::Device resolve_device(const std::string& name);

}  // namespace ganscope
