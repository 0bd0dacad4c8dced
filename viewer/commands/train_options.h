// The training options shared by `ganscope train --headless` and the window: flags -> TrainConfig. Main thread.
#pragma once

#include <set>
#include <string>

#include "ml/config.h"
#include "viewer/commands/cli.h"

namespace ganscope {

// Options that take a value, and flags, understood by every command that trains.
const std::set<std::string>& train_value_options();
const std::set<std::string>& train_flag_options();

// Applies --preset, then the individual options, over the defaults; validates. Throws UsageError.
TrainConfig config_from_args(const Args& args);
// The folder for a new run: --out, else runs/<model>-<date>-<time>.
std::string run_dir_from_args(const Args& args, const TrainConfig& config);

// --dist-timeout in seconds (default 60; issue 14). Throws UsageError.
double dist_timeout_seconds(const Args& args);

// The help text for training options.
const char* train_options_help();

}  // namespace ganscope
