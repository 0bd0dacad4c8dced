// Picks the GanTask and the example transform a config names ("dcgan", "pix2pix"). Trainer thread.
#pragma once

#include <memory>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/data/dataset.h"
#include "ml/models/gan_task.h"

namespace ganscope {

std::unique_ptr<GanTask> make_task(const TrainConfig& config, torch::Device device);
// train: with augmentation (pix2pix jitter); false: deterministic (validation / sample grid inputs).
ExampleTransform make_transform(const TrainConfig& config, bool train);
// The image source the config's data names, opened for this model (pix2pix may pair or combine folders).
std::shared_ptr<ImageSource> make_source(const TrainConfig& config);

}  // namespace ganscope
