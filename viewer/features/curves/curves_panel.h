// The Curves panel: losses of G and D, D(x) and D(G(z)), and the quality metric (swd per level) against step, on
// ImPlot: smoothed (as TensorBoard), log scale, pan/zoom on one step axis linked across the plots, legend
// toggles, hover read-out. GL thread only, inside an ImGui frame; makes no GL calls.
#pragma once

#include "viewer/features/module.h"
#include "viewer/widgets/plot.h"

namespace ganscope {

struct CurvesPanel {
    void draw(const RunView& run, const MetricsHistory& metrics);
    const PlotLink& steps() const { return m_steps; }  // the shared step axis: its range, and whether it follows

private:
    void rebuild(const std::vector<StepMetrics>& history);
    float m_smoothing = 0.6f;
    bool m_log_loss = false;
    PlotLink m_steps;  // one step axis for the three plots
    std::vector<PlotSeries> m_losses, m_probabilities, m_quality;
    size_t m_built_size = 0;
    int64_t m_built_last = -1;
};

}  // namespace ganscope
