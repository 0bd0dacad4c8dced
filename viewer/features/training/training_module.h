// Training: the run's state and its controls (start/pause/step, learning rates, batch size, save, revert). Its
// intents become run commands, which a read-only source refuses with a line for the status bar.
#pragma once

#include "viewer/features/module.h"
#include "viewer/features/training/training_model.h"
#include "viewer/features/training/training_panel.h"

namespace ganscope {

class TrainingModule : public Module {
public:
    const char* title() const override { return "Training"; }
    void draw(RunView& view) override { m_panel.draw(view, m_intents); }
    void apply(RunView& view, RunSource& run) override;

    TrainingIntents& intents() { return m_intents; }  // the menu and the keyboard shortcuts ask here too

private:
    TrainingIntents m_intents;
    TrainingPanel m_panel;
};

}  // namespace ganscope
