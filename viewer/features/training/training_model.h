// What the Training panel asks of the run, gathered over one frame. GL thread only.
#pragma once

#include <optional>
#include <utility>

namespace ganscope {

// Commands for the trainer, gathered over one frame.
struct TrainingIntents {
    bool start = false, pause = false, toggle = false, save = false, revert = false;
    int steps = 0;
    std::optional<std::pair<double, double>> learning_rates;
    std::optional<int> batch_size;
};

}  // namespace ganscope
