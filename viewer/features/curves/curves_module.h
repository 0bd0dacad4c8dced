// Curves: the run's metric records, kept here and grown with what is new since the last one (only when the
// source logged more), and the panel that plots them.
#pragma once

#include "ml/run/metrics.h"
#include "viewer/features/module.h"
#include "viewer/features/curves/curves_panel.h"

namespace ganscope {

class CurvesModule : public Module {
public:
    const char* title() const override { return "Curves"; }
    void update(RunView& view, RunSource& run) override {
        if (!view.status || view.status->last.step == m_logged_step) return;
        m_logged_step = view.status->last.step;
        const auto& have = m_metrics.records();
        for (const StepMetrics& r : run.metrics_since(have.empty() ? -1 : have.back().step)) m_metrics.push(r);
    }
    void draw(RunView& view) override { m_panel.draw(view, m_metrics); }

    const MetricsHistory& metrics() const { return m_metrics; }
    const PlotLink& steps() const { return m_panel.steps(); }

private:
    MetricsHistory m_metrics;
    int64_t m_logged_step = -1;
    CurvesPanel m_panel;
};

}  // namespace ganscope
