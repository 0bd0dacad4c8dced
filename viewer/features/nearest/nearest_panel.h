// The Nearest panel: the image asked about beside its nearest training images, each with its distance and file
// name, the one picked shown large; distances under the training images' own typical one are marked, as a copy
// would be. GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/features/nearest/nearest_model.h"

namespace ganscope {

struct NearestPanel {
    void draw(NearestModel& model);
};

}  // namespace ganscope
