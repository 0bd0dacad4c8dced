// The Latent explorer: the current latent's image large; sliders along random orthonormal and GANSpace
// directions; a 2-D pad; truncation; randomise; latents as text and files. GL thread only, inside an ImGui
// frame; edits the explorer model (the App sends requests), makes no GL calls.
#pragma once

#include "viewer/features/latent/latent_models.h"
#include "viewer/features/module.h"

namespace ganscope {

struct LatentPanel {
    void draw(ExplorerModel& explorer, const LatentLinks& links);

private:
    void draw_sliders(ExplorerModel& e);
    void draw_pad(ExplorerModel& e);
    void draw_text_and_files(ExplorerModel& e);
};

}  // namespace ganscope
