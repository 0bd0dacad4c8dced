// What the Projection panel shows and asks: the image being projected beside what the generator draws from the
// latent found so far, the steps and the loss as it converges, and the intents (project a file, stop, hand the
// latent to the explorer or the interpolation, save it). Written by ProjectModule on the GL thread, read and edited
// by ProjectPanel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct ProjectModel {
    // Edited by the panel (and File > Project image..., and a dropped file).
    std::string path;  // the image to project
    int steps = 300, restarts = 8;
    float feature_weight = 0.03f;
    std::string save_path = "projected.pt";
    bool start = false, stop = false;  // intents
    bool explore = false, use_a = false, use_b = false, save = false;

    // Filled by the module.
    std::string from;        // what is (or was last) projected; empty: nothing yet
    ImageRef target, image;  // the target at the training size, and G(latent)
    int step = 0, total = 0;
    int start_kept = -1;  // the start kept after the search (-1 while searching)
    double loss = 0, pixel = 0, feature = 0, rms_levels = 0, seconds = 0;
    std::vector<float> losses;               // log10 of the loss, one per update
    int64_t weights_step = -1;               // the generator's step projected into
    bool features = false;                   // the discriminator's features were part of the loss
    bool running = false, complete = false;  // in progress; finished every step (false: stopped)
    bool has_latent = false;                 // a latent to hand on or save
    std::string error, message;
};

}  // namespace ganscope
