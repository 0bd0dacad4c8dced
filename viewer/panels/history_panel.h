// The History tab: a time slider over the run's generator snapshots showing the sample grid and the
// explorer's latent as the generator rendered them at that point of training; "live" follows training.
// GL thread only, inside an ImGui frame; writes model.scrub, makes no GL calls.
#pragma once

#include "viewer/window/app_model.h"

namespace ganscope {

struct HistoryPanel {
    void draw(AppModel& model);
};

}  // namespace ganscope
