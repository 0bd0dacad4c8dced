// Training's intents into run commands (see training_module.h). GL thread.
#include "viewer/features/training/training_module.h"

#include <vector>

namespace ganscope {

void TrainingModule::apply(RunView& view, RunSource& run) {
    TrainingIntents& in = m_intents;
    std::vector<RunCommand> commands;
    const bool running = view.status && view.status->state == TrainerState::Running;
    if (in.toggle) (running ? in.pause : in.start) = true;
    if (in.start) commands.push_back({RunCommand::Kind::Start});
    if (in.pause) commands.push_back({RunCommand::Kind::Pause});
    if (in.steps > 0) commands.push_back({RunCommand::Kind::Step, in.steps});
    if (in.learning_rates)
        commands.push_back({RunCommand::Kind::LearningRates, 0, in.learning_rates->first, in.learning_rates->second});
    if (in.batch_size) commands.push_back({RunCommand::Kind::BatchSize, 0, 0, 0, *in.batch_size});
    if (in.revert) commands.push_back({RunCommand::Kind::Revert});
    if (in.save) commands.push_back({RunCommand::Kind::Save});
    for (const RunCommand& c : commands) {
        const std::string refused = run.command(c);
        if (!refused.empty()) view.notify(refused);
        else if (c.kind == RunCommand::Kind::Save) view.notify("saving a checkpoint to " + run.run_dir());
    }
    in = TrainingIntents{};
}

}  // namespace ganscope
