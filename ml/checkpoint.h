// Checkpoint files: a task's full state plus run metadata, written atomically (temp file + rename).
#pragma once

#include <string>

#include "ml/config.h"
#include "ml/dataset.h"
#include "ml/gan_task.h"
#include "ml/module_io.h"

namespace ganscope {

struct CheckpointMeta {
    TrainConfig config;
    int64_t step = 0;
    LoaderPosition position;  // where the data loader continues
};

// Writes path.tmp, then renames it over path: a crash or Ctrl-C mid-save leaves the previous file intact.
void write_checkpoint(const std::string& path, GanTask& task, const CheckpointMeta& meta);
// Reads the metadata only; throws CheckpointError naming the file when it is missing, truncated or foreign.
CheckpointMeta read_checkpoint_meta(const std::string& path);
// Loads the task's state (the task must have been built from the checkpoint's config).
CheckpointMeta load_checkpoint(const std::string& path, GanTask& task);

}  // namespace ganscope
