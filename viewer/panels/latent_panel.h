// The Latent explorer: the current latent's image large; sliders along random orthonormal and GANSpace
// directions; a 2-D pad; truncation; randomise; latents as text and files. GL thread only, inside an ImGui
// frame; edits the explorer model (the App sends requests), makes no GL calls.
#pragma once

#include "viewer/modules/models.h"

namespace ganscope {

struct LatentPanel {
    void draw(ExplorerModel& explorer, const LatentLinks& links);

private:
    void draw_sliders(ExplorerModel& e);
    void draw_pad(ExplorerModel& e);
    void draw_text_and_files(ExplorerModel& e);
};

// The explorer's latent: (base + offsets along directions + pad) truncated. Undefined before a base exists.
torch::Tensor explorer_latent(const ExplorerModel& e);
// Makes the latent the explorer's base, resetting the slider offsets; `from` is said in the panel.
void explore_latent(ExplorerModel& e, const torch::Tensor& latent, const std::string& from);
// Names of the combined direction list (random then PCA), for the pad's axis choice.
std::vector<std::string> explorer_direction_names(const ExplorerModel& e);

}  // namespace ganscope
