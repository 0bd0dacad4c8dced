// Checkpoint files: a task's full state plus run metadata, written atomically (temp file + rename).
#pragma once

#include <string>

#include "ml/config.h"
#include "ml/data/dataset.h"
#include "ml/models/gan_task.h"
#include "ml/run/module_io.h"

namespace ganscope {

struct CheckpointMeta {
    TrainConfig config;
    int64_t step = 0;
    LoaderPosition position;  // where the data loader continues
    // Distributed training: every rank's random streams (world x streams x bytes), or undefined.
    torch::Tensor rank_streams;
};

// Writes path.partial (synced), then renames it over path: a crash, a kill or a full disk mid-save leaves the
// previous file intact and no .partial behind; a failure throws CheckpointError saying the previous one is kept.
void write_checkpoint(const std::string& path, GanTask& task, const CheckpointMeta& meta);
// Reads the metadata only; throws CheckpointError naming the file when it is missing, truncated or foreign.
CheckpointMeta read_checkpoint_meta(const std::string& path);
// Loads the task's state (the task must have been built from the checkpoint's config).
CheckpointMeta load_checkpoint(const std::string& path, GanTask& task);
// Distributed training: the same from a checkpoint file's bytes, which rank 0 sends to ranks whose
// machine may not see its disk. `name` is the file the bytes came from, for messages.
CheckpointMeta read_checkpoint_meta_bytes(const std::string& bytes, const std::string& name);
CheckpointMeta load_checkpoint_bytes(const std::string& bytes, const std::string& name, GanTask& task);

// An archive written to `temp` through a sink that survives full disks (synced); throws CheckpointError naming
// `path` and saying the previous `what` is kept, with `temp` removed.
void save_archive_safely(torch::serialize::OutputArchive& archive, const std::string& temp, const std::string& path,
                         const std::string& what);
// torch::save(tensor, path), atomically and surviving a full disk.
void write_tensor_file(const std::string& path, const torch::Tensor& tensor);

}  // namespace ganscope
