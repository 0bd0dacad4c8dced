// The Latent explorer's and Interpolation's models: values their panels edit and the images their module fills. GL thread only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct ExplorerModel {
    // Edited by panels; the App turns them into the current latent.
    torch::Tensor base;                   // L, CPU
    std::vector<float> random_offsets;    // along random_directions
    std::vector<float> pca_offsets;       // along pca_directions
    float pad[2] = {0, 0};                // the 2-D pad moves along these two directions
    int pad_axes[2] = {0, 1};             // indices into the combined list (random then PCA)
    float truncation = 1.0f;
    uint64_t revision = 0;                // bump after any edit: the App sends a new request
    std::string paste_text;               // the latent text box
    std::string file_path = "latent.txt";
    // Filled by the App.
    torch::Tensor random_directions, pca_directions;  // D x L each
    std::vector<double> pca_explained;
    int64_t pca_step = -1;  // the weights' step the GANSpace directions were computed from
    bool pca_pending = false;
    bool pca_follow = true;               // recompute them as the run trains (see pca_due)
    bool request_pca = false;             // intent: (re)compute GANSpace directions
    bool save_file = false, load_file = false, copy_text = false, apply_text = false;
    bool nearest = false;  // intent: the image shown, to the Nearest panel (right-click menu)
    ImageRef image;
    int64_t weights_step = -1;
    double inference_ms = 0;
    std::string message;                  // last success or error, shown in the panel
    uint64_t randomize_seed = 1;
};

// Whether GANSpace directions from step `computed` are stale for weights of step `now`: they are recomputed once
// the run has trained a quarter again as long (at least 100 steps), so early on often and later rarely.
inline bool pca_due(int64_t computed, int64_t now) {
    return computed >= 0 && now >= computed + std::max<int64_t>(100, computed / 4);
}

// New GANSpace directions replacing `old` (same count and size): each keeps the sign of the one it replaces (a
// principal component's sign is arbitrary), so the sliders' offsets keep meaning about the same thing.
inline torch::Tensor align_directions(const torch::Tensor& fresh, const torch::Tensor& old) {
    if (!old.defined() || old.sizes() != fresh.sizes()) return fresh;
    const torch::Tensor sign = torch::where((fresh * old).sum(1, true) < 0, -1.0, 1.0).to(fresh.dtype());
    return fresh * sign;
}

struct InterpolationModel {
    torch::Tensor a, b;            // L each, CPU; undefined until picked
    int frames = 8;
    bool spherical = true;
    bool animate = true;
    float speed = 1.5f;            // frames per second of the loop... in strip frames
    double phase = 0;              // animation position in frames
    bool walk = false;             // a smooth random walk instead of the A-B loop
    float walk_speed = 0.4f;       // keyframes per second
    uint64_t revision = 0;
    ImageRef strip;                // frames side by side
    ImageRef walk_image;
    int cell = 0, padding = 2;
    int nearest_frame = -1;  // intent: a strip frame (from 0) to the Nearest panel (right-click menu)
};

// The explorer's latent: (base + offsets along directions + pad) truncated. Undefined before a base exists.
torch::Tensor explorer_latent(const ExplorerModel& e);
// Makes the latent the explorer's base, resetting the slider offsets and the truncation (the explorer then draws
// exactly that latent); `from` is said in the panel.
void explore_latent(ExplorerModel& e, const torch::Tensor& latent, const std::string& from);
// The strip frame the Interpolation's loop shows at `phase` (in frames): it goes A to B and back, never jumping.
inline int interpolation_loop_frame(double phase, int frames) {
    const int period = std::max(1, 2 * (frames - 1));
    const int k = int(std::fmod(std::max(0.0, phase), double(period)));
    return k < frames ? k : period - k;
}
// That frame's latent (of m.frames from A to B, as the strip is built); undefined before A and B are picked.
torch::Tensor interpolation_frame_latent(const InterpolationModel& m, int frame);
// Names of the combined direction list (random then PCA), for the pad's axis choice.
std::vector<std::string> explorer_direction_names(const ExplorerModel& e);

}  // namespace ganscope
