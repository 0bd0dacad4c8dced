// Performance: frame times, the share of the window redrawn, upload and inference times, GL and device. The App
// fills the figures it measures (frames, uploads); the panel refreshes them four times a second.
#pragma once

#include "viewer/features/module.h"
#include "viewer/features/performance/performance_model.h"
#include "viewer/features/performance/performance_panel.h"

namespace ganscope {

class PerformanceModule : public Module {
public:
    const char* title() const override { return "Performance"; }
    void on_run_known(RunView& view, const TrainerStatus& status) override {
        const TrainConfig& c = status.config;
        if (view.run.commands) m_model.device_mode = "training on " + status.device;
        else if (view.run.live) m_model.device_mode = "following a run (read-only)";
        else m_model.device_mode = c.image_to_image() ? "translating" : "exploring";
    }
    void draw(RunView& view) override { m_panel.draw(view, m_model); }

    PerformanceModel& model() { return m_model; }

private:
    PerformanceModel m_model;
    PerformancePanel m_panel;
};

}  // namespace ganscope
