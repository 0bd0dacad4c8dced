// Checkpoints kept every N epochs beside the latest one (runs/NAME/checkpoints/epoch_NNNN.pt), and which file a
// resume continues from (--from). Pure path logic; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganscope {

std::string kept_checkpoint_dir(const std::string& run_dir);                    // run_dir/checkpoints
std::string kept_checkpoint_path(const std::string& run_dir, int64_t epoch);   // .../epoch_0005.pt
// The kept checkpoints of a run, oldest first (by name, which is by epoch).
std::vector<std::string> list_kept_checkpoints(const std::string& run_dir);

// The checkpoint a resume reads: run_dir/checkpoint.pt when `from` is empty; else `from` as a path when it exists,
// else run_dir/from, else run_dir/checkpoints/from. Throws CheckpointError naming what was tried and what exists.
std::string resume_checkpoint_path(const std::string& run_dir, const std::string& from);

}  // namespace ganscope
