// An exponential moving average of a generator's weights (as in Karras et al. 2018 and StyleGAN): the average
// usually draws cleaner images than the latest weights. Trainer thread (it owns both modules).
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace ganscope {

// The decay used at an update when `updates` came before: min(decay, (1 + updates) / (10 + updates)), so the
// early average is not dominated by the random initial weights (TensorFlow's num_updates warm-up).
double ema_decay_at(double decay, int64_t updates);
// average <- d * average + (1 - d) * model for parameters; buffers (BatchNorm statistics) copied. Both modules
// must have the same architecture, on the same device.
void ema_update(torch::nn::Module& average, const torch::nn::Module& model, double d);
// average <- model, exactly (the start of an average).
void ema_copy(torch::nn::Module& average, const torch::nn::Module& model);

}  // namespace ganscope
