// The Record panel: start and stop a timelapse of the sample grid, a recording of the whole window, and a
// latent interpolation / random-walk video; each with its state, frames, progress, file and error line.
// GL thread only, inside an ImGui frame; writes intents into model.record, makes no GL calls.
#pragma once

#include "viewer/features/record/record_model.h"

namespace ganscope {

struct RecordPanel {
    void draw(RecordModel& record);
};

}  // namespace ganscope
