// The Interpolation panel: a strip of K frames between latents A and B (slerp or lerp), an animated loop over
// the strip, and a smooth random latent walk. GL thread only, inside an ImGui frame; makes no GL calls.
#pragma once

#include "viewer/features/latent/latent_models.h"
#include "viewer/features/module.h"

namespace ganscope {

struct InterpolationPanel {
    void draw(InterpolationModel& interpolation, const LatentLinks& links);

private:
    int m_menu_frame = 0;  // the frame the right-click menu is for
};

}  // namespace ganscope
