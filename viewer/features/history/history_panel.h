// The History tab: a time slider over the run's generator snapshots showing the sample grid and the
// explorer's latent as the generator rendered them at that point of training; "live" follows training.
// GL thread only, inside an ImGui frame; writes model.scrub, makes no GL calls.
#pragma once

#include "viewer/features/history/history_model.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/widgets/grid_model.h"

namespace ganscope {

struct HistoryPanel {
    // live: the Samples grid and the explorer's image, shown when the slider is at its live end.
    void draw(HistoryViewModel& history, const GridModel& live_grid, const ExplorerModel& live_explorer);
};

}  // namespace ganscope
