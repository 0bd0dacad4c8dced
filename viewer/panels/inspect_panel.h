// The Inspect panel: the explorer latent's feature maps, one generator block at a time, its channels tiled and
// colour-mapped; hover names a channel, a click shows it large with its value range. GL thread only, inside an
// ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/modules/models.h"

namespace ganscope {

struct InspectPanel {
    void draw(InspectModel& model);
};

}  // namespace ganscope
