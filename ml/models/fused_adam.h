// One Adam step through PyTorch's fused kernel (the one torch.optim.Adam(fused=True) runs), on the state of a
// torch::optim::Adam, so checkpoints, learning-rate changes and resume keep working. Trainer thread.
#pragma once

#include <torch/torch.h>

namespace ganscope {

// Same update as optimizer.step() (Adam, bias-corrected, no weight decay, no amsgrad): one pass over each
// parameter instead of the half-dozen elementwise passes of the unfused step. Options it does not cover fall
// back to optimizer.step().
void fused_adam_step(torch::optim::Adam& optimizer);

}  // namespace ganscope
