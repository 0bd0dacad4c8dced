// The Training panel: state, start/pause/step, learning rates and batch size, progress, save; trainer errors.
// GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/features/module.h"
#include "viewer/features/training/training_model.h"

namespace ganscope {

struct TrainingPanel {
    void draw(const RunView& run, TrainingIntents& intents);

private:
    float m_lr_g = 0, m_lr_d = 0;  // edited values, applied with the button
    int m_batch = 0;
    int m_step_count = 1;
    bool m_synced = false;  // edit fields initialised from the trainer's values
};

}  // namespace ganscope
