// The `--timelapse FILE --every N [--timelapse-fps F]` options of commands that train, turned into a Recorder.
// Main thread.
#pragma once

#include <memory>

#include "ml/train/trainer.h"
#include "viewer/commands/cli.h"
#include "viewer/features/record/recorder.h"

namespace ganscope {

// For commands that train: `--timelapse FILE --every N [--timelapse-fps F]`. Returns null without --timelapse;
// throws UsageError for a bad file type or number. Lower config.sample_every to N first (see
// timelapse_sample_every) so grids are published often enough.
std::unique_ptr<Recorder> start_timelapse(const Args& args, const Trainer& trainer);
// The sample interval a timelapse needs: min(current, --every); `current` when there is no --timelapse.
int timelapse_sample_every(const Args& args, int current);
}  // namespace ganscope
