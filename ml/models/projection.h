// Projection: the latent a DCGAN generator would need to draw a given image (Karras et al. 2020's projector, for a
// generator without a mapping network). Several random starts are optimised together for a short search, the best
// one on for the rest; the loss is the pixel difference plus the difference of the discriminator's penultimate
// features (a learnt perceptual distance, when the run has its discriminator). Pure torch; any thread that owns the
// modules it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <torch/torch.h>

#include "ml/data/image.h"
#include "ml/models/dcgan.h"

namespace ganscope {

struct ProjectionOptions {
    int restarts = 8;              // random starting latents searched together
    int search_steps = 40;         // steps every start gets before the best is kept
    int steps = 260;               // steps of the best start after the search
    double learning_rate = 0.05;   // Adam's, ramped down (cosine) over each phase's last quarter
    double feature_weight = 0.03;  // weight of the discriminator-feature term (relative to its target's energy)
    double prior_weight = 0.01;    // keeps |z|^2 / L near 1, where a N(0, I) latent's norm lives
    uint64_t seed = 1;             // the starts
    int total_steps() const { return search_steps + steps; }
};

// Throws std::invalid_argument with one line naming the option when an option is out of range.
void check_projection_options(const ProjectionOptions& options);

struct ProjectionProgress {
    int step = 0, total = 0;        // steps done, of search_steps + steps
    int start = -1;                 // the start kept after the search (-1 while searching)
    double loss = 0;                // the kept (or best) start's loss
    double pixel = 0, feature = 0;  // its terms: pixel MSE in [-1, 1], relative feature MSE (0 without D)
    double rms_levels = 0;          // RMS difference of G(latent) from the target, in 8-bit levels
    torch::Tensor latent;           // L, CPU float: the kept (or best) start's latent
    torch::Tensor image;            // 3 x S x S in [-1, 1], CPU: what G draws of it
    bool done = false;              // every step ran (false: stopped early by the caller)
};

// Optimises a latent so that `generator` (put in eval mode: BatchNorm from running statistics, as the grid draws)
// draws `target` (3 x S x S in [-1, 1], S the generator's size, any device). `discriminator` may be null (pixels
// only). `report` gets the progress every `report_every` steps and at the end; returning false stops the projection
// there. Returns the last progress. The modules' parameters are left as they were (requires_grad restored).
ProjectionProgress project_latent(DcganGenerator& generator, DcganDiscriminator* discriminator,
                                  const torch::Tensor& target, const ProjectionOptions& options,
                                  const std::function<bool(const ProjectionProgress&)>& report = {},
                                  int report_every = 10);

// The image a projection starts from: `path` decoded (transparent pixels onto `background`), its short side scaled
// to `size` and the centred square taken, as the training images are. 3 x size x size in [-1, 1]. Throws
// std::runtime_error with one line naming the file when it is missing or not an image.
torch::Tensor load_projection_target(const std::string& path, int size, Rgb background);

// A found latent as a file: `.pt`/`.pth` as torch.save({"latent": 1 x L}) (Python's torch.load reads it), `.txt`
// as the explorer's comma-separated text. Throws std::runtime_error naming the file; std::invalid_argument for
// another extension.
void save_projected_latent(const std::string& path, const torch::Tensor& latent);

}  // namespace ganscope
