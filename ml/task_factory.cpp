// Builds the task, transform and data source a config names.
#include "ml/task_factory.h"

#include "ml/dcgan.h"

namespace ganscope {

std::unique_ptr<GanTask> make_task(const TrainConfig& config, torch::Device device) {
    if (config.model == "dcgan") return std::make_unique<DcganTask>(config, device);
    throw std::invalid_argument("--model " + config.model + ": not available (use dcgan)");
}

ExampleTransform make_transform(const TrainConfig& config, bool /*train*/) {
    return center_crop_transform(config.image_size);
}

std::shared_ptr<ImageSource> make_source(const TrainConfig& config) {
    return open_source(config.data, config.background, config.image_size);
}

}  // namespace ganscope
