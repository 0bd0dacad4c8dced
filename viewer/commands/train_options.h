// The training options shared by `ganscope train`, the window and `ganscope watch`: declared once on CLI11,
// read into a TrainConfig. Main thread.
#pragma once

#include <string>

#include "ml/config.h"
#include "viewer/commands/cli.h"

namespace ganscope {

// Declares every training option (--data, --model, --steps, ..., the pix2pix ones) on a command.
void add_train_options(Args& args);

// Applies --preset, then the individual options, over the defaults; validates. Throws UsageError.
TrainConfig config_from_args(const Args& args);
// The folder for a new run: --out, else runs/<model>-<date>-<time>.
std::string run_dir_from_args(const Args& args, const TrainConfig& config);

}  // namespace ganscope
