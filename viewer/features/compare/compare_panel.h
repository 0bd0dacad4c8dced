// The Compare panel: a legend of the runs (a click hides one everywhere), and three tabs: the runs' sample grids
// side by side (following each run's newest, or all pinned to one step by a shared slider), every metric of every
// run overlaid (x: step, images seen or seconds since start), and the runs table with their config differences.
// Also the File > Add run dialog. GL thread only, inside an ImGui frame; no GL calls.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "viewer/features/compare/compare_model.h"
#include "viewer/features/module.h"
#include "viewer/widgets/plot.h"

namespace ganscope {

// One line on whether the runs' grids show the same latents cell for cell (same seed, latent size and grid
// size), or why not; "" when fewer than two runs have a latent space known.
std::string shared_latents_note(const std::vector<CompareRun>& runs);

class ComparePanel {
public:
    void draw(RunView& view, CompareModel& model);
    // File > Add run: `open` opens the dialog this frame; it stays until added or cancelled.
    void draw_add_run(bool open, CompareModel& model);

private:
    void draw_legend(CompareModel& model);
    void draw_samples(CompareModel& model);
    void draw_latent(CompareModel& model);
    void draw_curves(CompareModel& model);
    void draw_runs(CompareModel& model);

    PlotLink m_link;
    std::set<std::string> m_metrics{"loss_g", "loss_d", "swd"};  // the metrics plotted
    std::string m_add_what, m_add_token;
};

}  // namespace ganscope
