// Learning-rate schedules.
#include "ml/models/lr_schedule.h"

#include <algorithm>

namespace ganscope {

double lr_factor(const TrainConfig& config, int64_t step) {
    if (config.lr_schedule != "linear") return 1.0;
    const int64_t past = std::max<int64_t>(0, step + 1 - config.lr_constant_steps);
    return std::max(0.0, 1.0 - double(past) / double(config.lr_decay_steps + 1));
}

}  // namespace ganscope
