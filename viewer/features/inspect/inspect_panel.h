// The Inspect panel. Latent-space runs: the explorer latent's feature maps, one generator block at a time, its
// channels tiled and colour-mapped (hover names a channel, a click shows it large with its value range), and a
// summary of the discriminator's verdicts on the sample grid (the Samples panel frames each cell in its colour).
// pix2pix: the PatchGAN's map over each validation output and the |output - target| map, side by side, with the
// value under the cursor. GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/features/inspect/inspect_model.h"

namespace ganscope {

struct InspectPanel {
    void draw(InspectModel& model);

private:
    void draw_feature_maps(InspectModel& m);
    void draw_verdicts(const InspectModel& m);
    void draw_pairs(InspectModel& m);
};

}  // namespace ganscope
