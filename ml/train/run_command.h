// A command for a training run, one type for every door it comes through (the window, the HTTP API, a watching
// window, tests), checked by one function against the same rules as the command line. Any thread.
#pragma once

#include <string>

namespace ganscope {

struct RunCommand {
    enum class Kind { Start, Pause, Step, Save, Revert, LearningRates, BatchSize };
    Kind kind = Kind::Start;
    int steps = 1;              // Step: 1 to kMaxSteps
    double lr_g = 0, lr_d = 0;  // LearningRates: the new base rates (a schedule scales them)
    int batch_size = 0;         // BatchSize: per rank, as --batch

    static constexpr int kMaxSteps = 1000000;
};

// Why `command` cannot be carried out by any run (a value out of range), in one line naming the value and what to
// use; empty when it is fine. Learning rates and batch sizes follow TrainConfig::validate's rules.
std::string command_problem(const RunCommand& command);

// The command's name as the HTTP API spells it: "resume", "pause", "step", "save", "revert", "lr", "batch".
const char* command_name(RunCommand::Kind kind);

}  // namespace ganscope
