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
void load_optimizer(torch::serialize::InputArchive& archive, const std::string& key, torch::optim::Optimizer& opt);

void save_generator_state(torch::serialize::OutputArchive& archive, const std::string& key, at::Generator gen);
void load_generator_state(torch::serialize::InputArchive& archive, const std::string& key, at::Generator& gen);

// A fresh random generator on the device (CPU or CUDA), seeded.
at::Generator make_random_generator(torch::Device device, uint64_t seed);

// All parameters and buffers by name, detached clones (weights snapshots).
std::vector<std::pair<std::string, torch::Tensor>> clone_named_tensors(const torch::nn::Module& module);
// Copies named tensors into a module of the same architecture; throws CheckpointError naming mismatches.
void assign_named_tensors(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                          const std::string& origin);

}  // namespace ganscope
