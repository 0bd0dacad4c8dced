// The training options shared by `ganscope train`, the window and `ganscope watch`: declared once on CLI11,
// read into a TrainConfig. Main thread.
#pragma once

#include <set>
#include <string>

#include "ml/config.h"
#include "ml/train/trainer.h"
#include "viewer/commands/cli.h"

namespace ganscope {

// Declares every training option (--data, --model, --steps, ..., the pix2pix ones) on a command.
void add_train_options(Args& args);

// Applies --preset, then the individual options, over the defaults; validates. Throws UsageError.
TrainConfig config_from_args(const Args& args);
// The names of the training options that take a value, and of those that do not (the launcher forwards them).
std::set<std::string> train_value_options();
std::set<std::string> train_flag_options();
// --dist-timeout in seconds (default 60). Throws UsageError.
double dist_timeout_seconds(const Args& args);
// Where options.config trains: a new run folder, or with --resume the run to continue (and what the resume
// changes: --steps more steps, --from FILE, --lr/--lr-g/--lr-d replacing the checkpoint's rates); and what alerts
// do (--on-alert, --alert-command). Throws UsageError.
void run_folder_from_args(const Args& args, TrainerOptions& options);
// The folder for a new run: --out, else runs/<model>-<date>-<time>.
std::string run_dir_from_args(const Args& args, const TrainConfig& config);

}  // namespace ganscope
