// Training's intents into run commands (see training_module.h). GL thread.
#include "viewer/features/training/training_module.h"

#include <vector>

namespace ganscope {

void TrainingModule::apply(RunView& view, RunSource& run) {
    TrainingIntents& in = m_intents;
    std::vector<RunCommand> commands;
    const bool running = view.status && view.status->state == TrainerState::Running;
    if (in.toggle) commands.push_back({running ? RunCommand::Kind::Pause : RunCommand::Kind::Start});
    commands.insert(commands.end(), in.commands.begin(), in.commands.end());
    for (const RunCommand& c : commands) {
        const std::string refused = run.command(c);
        if (!refused.empty()) view.notify(refused);
        else if (c.kind == RunCommand::Kind::Save) view.notify("saving a checkpoint to " + run.run_dir());
    }
    in = TrainingIntents{};
}

}  // namespace ganscope
