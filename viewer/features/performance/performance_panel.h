// The Performance panel: frame time, CPU or GPU mode, trainer step time, texture upload and inference times.
// GL thread only, inside an ImGui frame; makes no GL calls.
#pragma once

#include "viewer/features/module.h"
#include "viewer/features/performance/performance_model.h"

namespace ganscope {

struct PerformancePanel {
    void draw(const RunView& run, const PerformanceModel& performance);

    // The figures as last read: they refresh four times a second, as a profiler's read-outs do, so they can be
    // read, and so the panel isn't redrawn every frame for numbers nobody can follow at 60 Hz.
    PerformanceModel shown;
    double train_step_ms = -1, explorer_ms = 0;
    std::string render_size;
    double shown_at = -1;
};

}  // namespace ganscope
