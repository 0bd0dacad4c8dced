// Saving and loading module weights by name, with errors that name mismatched keys. Any thread.
#pragma once

#include <string>

#include <torch/torch.h>

namespace ganscope {

// Thrown when a checkpoint or weights file does not fit: names the file or keys and what to do.
struct CheckpointError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void save_module(torch::serialize::OutputArchive& archive, const std::string& key, const torch::nn::Module& module);
// Checks every parameter and buffer (presence and shape) before copying; throws CheckpointError listing
// the mismatches (missing keys, extra keys, shapes) so "another architecture" is easy to diagnose.
void load_module(torch::serialize::InputArchive& archive, const std::string& key, torch::nn::Module& module);

void save_optimizer(torch::serialize::OutputArchive& archive, const std::string& key, const torch::optim::Optimizer& opt);
// Loads, then moves the state (Adam's moments) to the device of the parameter it belongs to: checkpoints are read
// onto the CPU, whatever device wrote them.
void load_optimizer(torch::serialize::InputArchive& archive, const std::string& key, torch::optim::Optimizer& opt);
// Each parameter's state tensors onto that parameter's device (throws std::logic_error for a state type it does not
// know, so a new optimiser cannot silently keep its state elsewhere).
void move_optimizer_state_to_params(torch::optim::Optimizer& opt);

void save_generator_state(torch::serialize::OutputArchive& archive, const std::string& key, at::Generator gen);
void load_generator_state(torch::serialize::InputArchive& archive, const std::string& key, at::Generator& gen);

// A random generator's state has a layout of its device type (a CPU generator's is about 5 KB, a CUDA one's 16
// bytes), so it is kept under a key per device type: `base`_cpu, `base`_cuda. A file from another device type has
// none for this generator, and loading skips it without error: the stream then goes on from this task's own seed.
std::string device_state_key(const std::string& base, c10::DeviceType type);
void save_device_generator_state(torch::serialize::OutputArchive& archive, const std::string& base, at::Generator gen);
// True when a state for this generator's device type was found and restored. A state under the bare `base` key
// (files written before the per-device keys) is restored when its size fits this generator, else skipped.
bool load_device_generator_state(torch::serialize::InputArchive& archive, const std::string& base, at::Generator& gen);

// A fresh random generator on the device (CPU or CUDA), seeded.
at::Generator make_random_generator(torch::Device device, uint64_t seed);

// All parameters and buffers by name, detached clones (weights snapshots).
std::vector<std::pair<std::string, torch::Tensor>> clone_named_tensors(const torch::nn::Module& module);
// Copies named tensors into a module of the same architecture; throws CheckpointError naming mismatches.
void assign_named_tensors(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                          const std::string& origin);

}  // namespace ganscope
