// Run configuration: everything needed to rebuild a run's models and data, saved as config.json and in checkpoints.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ml/data/image.h"

namespace ganscope {

struct TrainConfig {
    std::string model = "dcgan";     // "dcgan" or "pix2pix"
    std::string data = "emoji";      // "emoji" (built-in) or an image folder
    std::string device = "auto";     // "auto", "cpu" or "cuda[:N]"
    int image_size = 0;              // 0: chosen for the device (32 on a CPU, 64 on a GPU)
    int latent_dim = 128;
    // Base widths (ConvTranspose / Conv widths are multiples of them). 0: chosen for the device, as the default
    // recipe asks (DCGAN: 32 on a CPU, 64 on a GPU; pix2pix 64). Configs without the keys keep 64.
    int g_width = 64;  // generator
    int d_width = 64;  // discriminator
    int batch_size = 64;
    double lr_g = 2e-4;
    double lr_d = 2e-4;
    double beta1 = 0.5;
    double beta2 = 0.999;
    int64_t steps = 0;               // total steps to train; 0 trains until stopped
    uint64_t seed = 1;
    int grid_count = 64;             // fixed latents in the sample grid
    int sample_every = 100;          // steps between sample grids (published and written as PNG)
    int checkpoint_every = 1000;     // steps between checkpoints
    int log_every = 10;              // steps between reading scalars back (one host sync)
    int snapshot_every = 50;         // steps between generator weight snapshots for the explorer
    int history_every = 0;           // steps between snapshots kept in runs/NAME/history; 0: once per epoch
    int loader_workers = 2;          // decoding threads
    int prefetch_batches = 4;
    Rgb background{255, 255, 255};   // transparent pixels are composited onto this

    // pix2pix (seed 001/002/004); ignored by the DCGAN.
    std::string direction = "AtoB";  // AtoB or BtoA
    std::string pairs = "sketch";    // automatic pairs from an image folder: edges, sketch, ascii, posterize
    std::string generator = "";      // unet_128 / unet_256; empty: chosen from image_size
    double lambda_l1 = 100.0;
    std::string loss = "gan_l1";     // gan_l1, or "palette_ce" (seed 004: per-pixel softmax over a palette)
    int palette_values = 4;          // posterize: num_values^3 colours
    int load_size = 0;               // jitter: resize before random crop; 0 -> image_size * 286 / 256

    // Quality: the live metric, training options from the field, publishing by the clock. The
    // defaults here are seed 003's recipe, so configs and checkpoints without these keys resume as they were;
    // the command line's --recipe default turns the measured recipe on (viewer/commands/train_options.cpp).
    std::string gan_loss = "bce";    // dcgan: bce (seed 003), hinge, lsgan, wgan-gp (penalty weight 10)
    double r1_gamma = 0;             // dcgan: R1 penalty gamma on real images; 0: off
    std::string diffaug = "";        // dcgan: DiffAugment policy, any of color,translation,cutout; empty: off
    double ema_decay = 0;            // dcgan: moving average of G's weights (grid, explorer, history use it); 0: off
    // dcgan: G's step draws latents of its own, as seed 003 does (--recipe seed003), instead of reusing the fakes D
    // just judged (one generator pass fewer per step). Off when the key is missing, as checkpoints before it trained.
    bool fresh_g_latents = false;
    // dcgan with ema_decay: the average's BatchNorm running statistics. "copy": G's, copied at every update (they
    // belong to G's weights, not the average's); "recompute": measured on the averaged weights from 256 fixed
    // latents before the average draws (a grid, a snapshot, a checkpoint).
    std::string ema_statistics = "copy";
    int swd_every = 500;             // steps between quality evaluations (swd in metrics.jsonl); 0: off
    int swd_images = 512;            // generated (fixed latents) and real images the metric compares
    // FID and KID (ml/train/fid_quality.h) every fid_every steps, on fid_images images a side; 0: off (the default:
    // on a CPU an evaluation of 256 images takes minutes, docs/metrics.md).
    int fid_every = 0;
    int fid_images = 256;
    double publish_seconds = 2;      // the grid and the weights snapshot also publish this often; 0: by steps only
    double history_seconds = 25;     // history snapshots also this often (dozens per 20 minutes); 0: steps only
    // Distributed training: ranks training together; batch_size is per rank, the global batch is
    // batch_size * world_size (config.json says both).
    int world_size = 1;
    // Learning-rate schedule and kept checkpoints. lr_g / lr_d above are the base rates.
    std::string lr_schedule = "constant";  // constant, or linear: junyanz's decay (ml/models/lr_schedule.h)
    int64_t lr_constant_steps = 0;         // linear: steps at the base rate
    int64_t lr_decay_steps = 0;            // linear: steps of linear decay to 0 after them
    int keep_every_epochs = 0;             // keep runs/NAME/checkpoints/epoch_NNNN.pt every N epochs; 0: none

    nlohmann::json to_json() const;
    // Missing keys keep their defaults; a wrong type throws naming the key.
    static TrainConfig from_json(const nlohmann::json& j);
    // Throws std::invalid_argument naming the bad value and what is allowed.
    void validate() const;
    // The sizes left to the device (image_size and widths of 0) chosen for it; the rest kept.
    void resolve_for(bool cuda);  // throws std::invalid_argument naming the option and what to use
    // What the model offers, so callers ask for a capability instead of comparing model names.
    bool image_to_image() const { return model == "pix2pix"; }  // translates images (pix2pix)
    bool has_latent_space() const { return model == "dcgan"; }  // generates from latent vectors (DCGAN)
};

// The rules TrainConfig::validate applies to values a running trainer may also be told to change (run_command.h):
// why the value is refused, in one line naming the option; empty when it is fine.
std::string learning_rates_problem(double lr_g, double lr_d);
std::string batch_size_problem(int batch_size);

}  // namespace ganscope
