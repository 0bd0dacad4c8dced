// The Latent explorer: the current latent's image large; sliders along random orthonormal and GANSpace
// directions; a 2-D pad; truncation; randomise; latents as text and files. GL thread only, inside an ImGui
// frame; edits the explorer model (the App sends requests), makes no GL calls.
#pragma once

#include "viewer/window/app_model.h"

namespace ganscope {

struct LatentPanel {
    void draw(AppModel& model);

private:
    void draw_sliders(AppModel& model);
    void draw_pad(AppModel& model);
    void draw_text_and_files(AppModel& model);
};

// The explorer's latent: (base + offsets along directions + pad) truncated. Undefined before a base exists.
torch::Tensor explorer_latent(const ExplorerModel& e);
// Names of the combined direction list (random then PCA), for the pad's axis choice.
std::vector<std::string> explorer_direction_names(const ExplorerModel& e);

}  // namespace ganscope
