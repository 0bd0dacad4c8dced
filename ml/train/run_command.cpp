// One check for every training command (run_command.h).
#include "ml/train/run_command.h"

#include "ml/config.h"

namespace ganscope {

std::string command_problem(const RunCommand& c) {
    switch (c.kind) {
        case RunCommand::Kind::Step:
            if (c.steps < 1 || c.steps > RunCommand::kMaxSteps)
                return "steps " + std::to_string(c.steps) + ": use 1 to " + std::to_string(RunCommand::kMaxSteps);
            return "";
        case RunCommand::Kind::LearningRates: return learning_rates_problem(c.lr_g, c.lr_d);
        case RunCommand::Kind::BatchSize: return batch_size_problem(c.batch_size);
        default: return "";
    }
}

const char* command_name(RunCommand::Kind kind) {
    switch (kind) {
        case RunCommand::Kind::Start: return "resume";
        case RunCommand::Kind::Pause: return "pause";
        case RunCommand::Kind::Step: return "step";
        case RunCommand::Kind::Save: return "save";
        case RunCommand::Kind::Revert: return "revert";
        case RunCommand::Kind::LearningRates: return "lr";
        case RunCommand::Kind::BatchSize: return "batch";
    }
    return "?";
}

}  // namespace ganscope
