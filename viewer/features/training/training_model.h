// What the Training panel, the menu and the keyboard ask of the run, gathered over one frame. GL thread only.
#pragma once

#include <vector>

#include "ml/train/run_command.h"

namespace ganscope {

struct TrainingIntents {
    bool toggle = false;               // start or pause, whichever the run's state calls for when applied
    std::vector<RunCommand> commands;  // in the order asked; the run checks each (command_problem) and may refuse
    void add(const RunCommand& command) { commands.push_back(command); }
};

}  // namespace ganscope
