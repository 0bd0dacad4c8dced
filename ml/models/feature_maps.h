// What a network sees inside: the activations of a Sequential network for one input, block by block (the output
// of each ReLU, LeakyReLU or Tanh), for the Inspect panel. Any thread that owns the module.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace ganscope {

struct LayerMaps {
    std::string name;   // "block 2: ConvTranspose2d 256 x 8 x 8"
    torch::Tensor maps; // C x H x W, float, CPU
};

// Runs `net` on `input` (a batch of one) module by module without gradients, keeping every activation's output
// (copied: ReLU may work in place). The last entry is the network's output: when the network does not end with
// an activation (a discriminator's logits), the modules after the last one make a final block of their own.
std::vector<LayerMaps> sequential_feature_maps(torch::nn::Sequential& net, const torch::Tensor& input);

}  // namespace ganscope
