// The Inspect panel's model: feature maps, the discriminator's verdicts and pix2pix's patch and error maps. GL thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct InspectModel {
    bool active = false;              // the panel was drawn this frame: only then is work requested
    bool judging = false;             // the panel was visible at the last apply: its verdicts frame the Samples
    bool latent_space = true;         // DCGAN: feature maps and verdicts; else pix2pix's maps
    std::vector<std::string> layers;  // the generator's blocks, filled by the module
    int layer = 0;                    // intent: whose feature maps
    int channel = -1;                 // intent: the channel shown large; -1 none
    ImageRef tiles;                   // the block's channels tiled and colour-mapped by the grid shader
    int count = 0, columns = 0, cell = 0, padding = 1;
    std::string color_map;            // the map's name ("lumen" for ReLU outputs, "coolwarm" for signed ones)
    float low = 0, high = 1;          // the values at its two ends
    float channel_min = 0, channel_max = 0;  // the picked channel's own range
    int64_t step = -1;                // the weights' step
    bool pending = false;
    std::string message;              // an error, or what is missing
    std::string note;                 // why the discriminator's part is missing

    // DCGAN: the discriminator's verdict on each cell of the Samples grid of `grid_step` (the Samples panel frames
    // its cells in their colours while this panel is visible).
    std::vector<float> verdicts;
    bool probabilities = true;        // P(real) in [0, 1]; else raw scores (hinge, LSGAN, WGAN critics)
    float verdict_low = 0, verdict_high = 1;  // the colour map's ends (coolwarm: fake blue, real red)
    int64_t grid_step = -1;
    uint64_t verdicts_revision = 0;   // counts new verdicts

    // pix2pix: per validation pair, the PatchGAN's map of the output and |output - target|, tiled one per pair.
    ImageRef patch_tiles, error_tiles;
    int pairs = 0, pair_columns = 0, patch_cell = 0, error_cell = 0;
    float error_high = 1;             // the error map's top (lumen from 0)
    float patch_mean = 0, error_mean = 0;
    std::vector<float> patch_means, error_means;  // per pair
    std::vector<float> patch_values, error_values;  // the maps themselves, pair by pair, row by row
    float patch_at(int pair, int x, int y) const { return at(patch_values, patch_cell, pair, x, y); }
    float error_at(int pair, int x, int y) const { return at(error_values, error_cell, pair, x, y); }

private:
    static float at(const std::vector<float>& v, int side, int pair, int x, int y) {
        const size_t i = (size_t(pair) * side + size_t(std::clamp(y, 0, side - 1))) * side + size_t(std::clamp(x, 0, side - 1));
        return i < v.size() ? v[i] : 0.0f;
    }
};

}  // namespace ganscope
