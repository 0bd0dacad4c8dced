// Builds the task, transform and data source a config names ("dcgan", "pix2pix"). Trainer thread.
#include "ml/models/task_factory.h"

#include "ml/models/dcgan.h"
#include "ml/data/paired_data.h"
#include "ml/models/pix2pix.h"

namespace ganscope {

std::unique_ptr<GanTask> make_task(const TrainConfig& config, torch::Device device) {
    if (config.model == "dcgan") return std::make_unique<DcganTask>(config, device);
    if (config.model == "pix2pix") {
        auto task = std::make_unique<Pix2PixTask>(config, device);
        auto [inputs, targets] = pix2pix_validation(config);
        task->set_validation(inputs, targets);
        return task;
    }
    throw std::invalid_argument("--model " + config.model + ": not available (use dcgan or pix2pix)");
}

ExampleTransform make_transform(const TrainConfig& config, bool train) {
    if (config.model == "pix2pix") return pix2pix_transform(config, train);
    return center_crop_transform(config.image_size);
}

std::shared_ptr<ImageSource> make_source(const TrainConfig& config) {
    if (config.model == "pix2pix") return make_pix2pix_source(config);
    return open_source(config.data, config.background, config.image_size);
}

}  // namespace ganscope
