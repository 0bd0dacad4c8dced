// Learning-rate schedules: constant, or junyanz/pytorch-CycleGAN-and-pix2pix's linear decay counted in
// steps instead of epochs. Pure functions of the config and the step; any thread.
#pragma once

#include <cstdint>

#include "ml/config.h"

namespace ganscope {

// The factor on the base rate for the step that takes the count from `step` to `step + 1`.
// constant: 1. linear (junyanz's lambda_rule with N = lr_constant_steps, M = lr_decay_steps):
//   1 - max(0, step + 1 - N) / (M + 1), never below 0: N steps at the base rate, then M steps falling by
//   1 / (M + 1) each, and 0 from step N + M on.
double lr_factor(const TrainConfig& config, int64_t step);

// Base rate times the factor.
inline double scheduled_lr(const TrainConfig& config, double base, int64_t step) { return base * lr_factor(config, step); }

}  // namespace ganscope
