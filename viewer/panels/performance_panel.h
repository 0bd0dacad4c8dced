// The Performance panel: frame time, CPU or GPU mode, trainer step time, texture upload and inference times.
// GL thread only, inside an ImGui frame; makes no GL calls.
#pragma once

#include "viewer/app_model.h"

namespace ganscope {

struct PerformancePanel {
    void draw(AppModel& model);
};

}  // namespace ganscope
