// Training flags -> TrainConfig.
#include "viewer/commands/train_options.h"

#include <ctime>

namespace ganscope {

const std::set<std::string>& train_value_options() {
    static const std::set<std::string> options = {
        "data", "steps", "out", "resume", "model", "size", "batch", "lr", "lr-g", "lr-d", "latent", "width",
        "seed", "device", "sample-every", "checkpoint-every", "log-every", "snapshot-every", "history-every", "timelapse", "every", "timelapse-fps", "workers", "preset",
        "direction", "pairs", "generator", "lambda-l1", "loss", "palette-values", "load-size", "grid", "background",
        "nproc", "dist-timeout", "threads"};  // issue 14: distributed training
    return options;
}

const std::set<std::string>& train_flag_options() {
    static const std::set<std::string> flags = {"headless", "paused"};
    return flags;
}

TrainConfig config_from_args(const Args& args) {
    TrainConfig c;
    const std::string preset = args.get("preset", "");
    if (preset == "tiny") {  // seconds on any CPU: for tests and smoke runs
        c.image_size = 16;
        c.latent_dim = 16;
        c.g_width = 8;
        c.d_width = 8;
        c.batch_size = 16;
        c.grid_count = 16;
        c.sample_every = 5;
        c.checkpoint_every = 10;
        c.log_every = 1;
        c.snapshot_every = 5;
    } else if (!preset.empty() && preset != "default") {
        throw UsageError("--preset " + preset + ": use tiny or default");
    }
    c.model = args.get("model", c.model);
    c.data = args.get("data", c.data);
    c.device = args.get("device", c.device);
    c.image_size = args.get_int("size", c.image_size);
    // pix2pix trains on single images (the paper's batch 1: BatchNorm then acts per image); a DCGAN batch of 64
    // 128 px pairs would take most of a minute per step on a CPU.
    if (c.model == "pix2pix" && preset != "tiny") c.batch_size = 1;
    c.batch_size = args.get_int("batch", c.batch_size);
    c.lr_g = c.lr_d = args.get_double("lr", c.lr_g);
    c.lr_g = args.get_double("lr-g", c.lr_g);
    c.lr_d = args.get_double("lr-d", c.lr_d);
    c.latent_dim = args.get_int("latent", c.latent_dim);
    c.g_width = c.d_width = args.get_int("width", c.g_width);
    c.steps = args.get_int64("steps", c.steps);
    c.seed = uint64_t(args.get_int64("seed", int64_t(c.seed)));
    c.sample_every = args.get_int("sample-every", c.sample_every);
    c.checkpoint_every = args.get_int("checkpoint-every", c.checkpoint_every);
    c.log_every = args.get_int("log-every", c.log_every);
    c.snapshot_every = args.get_int("snapshot-every", c.snapshot_every);
    c.history_every = args.get_int("history-every", c.history_every);
    c.loader_workers = args.get_int("workers", c.loader_workers);
    c.grid_count = args.get_int("grid", c.grid_count);
    c.direction = args.get("direction", c.direction);
    c.pairs = args.get("pairs", c.pairs);
    c.generator = args.get("generator", c.generator);
    c.lambda_l1 = args.get_double("lambda-l1", c.lambda_l1);
    c.loss = args.get("loss", c.loss);
    c.palette_values = args.get_int("palette-values", c.palette_values);
    c.load_size = args.get_int("load-size", c.load_size);
    if (args.has("background")) {
        const std::string bg = args.get("background");
        unsigned r, g, b;
        if (bg == "white") c.background = {255, 255, 255};
        else if (bg == "black") c.background = {0, 0, 0};
        else if (bg.size() == 7 && bg[0] == '#' && std::sscanf(bg.c_str() + 1, "%2x%2x%2x", &r, &g, &b) == 3)
            c.background = {uint8_t(r), uint8_t(g), uint8_t(b)};
        else throw UsageError("--background " + bg + ": use white, black or #rrggbb");
    }
    try {
        c.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return c;
}

std::string run_dir_from_args(const Args& args, const TrainConfig& config) {
    if (args.has("out")) return args.get("out");
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    return "runs/" + config.model + "-" + stamp;
}

double dist_timeout_seconds(const Args& args) {
    const double s = args.get_double("dist-timeout", 60);
    if (!(s >= 1 && s <= 86400)) throw UsageError("--dist-timeout " + args.get("dist-timeout") + ": use 1 to 86400 seconds");
    return s;
}

const char* train_options_help() {
    return R"(training options:
  --data emoji|DIR        images to learn (default: emoji, the built-in Noto Color Emoji set)
  --model dcgan|pix2pix   which GAN (default dcgan)
  --steps N               steps to train (0: until stopped)
  --out runs/NAME         run folder (config.json, metrics.jsonl, samples/, checkpoint.pt)
  --resume runs/NAME      continue a run from its checkpoint (--steps M: M more steps)
  --size S                image size, a power of two (default 32 on a CPU, 64 on a GPU)
  --batch B               batch size (default 64)
  --lr X | --lr-g X --lr-d X   Adam learning rates (default 2e-4)
  --latent L --width W    latent size and base width (default 128, 64)
  --device auto|cpu|cuda  where to train (default auto)
  --seed N                random seed (default 1)
  --sample-every N --checkpoint-every N --log-every N   intervals in steps
  --workers N             image decoding threads (default 2)
  --history-every N       steps between generator snapshots kept in the run's history/ (default: each epoch)
  --timelapse FILE --every N [--timelapse-fps F]   record the sample grid (captioned) every N steps into
                          FILE: .mp4 (H.264), .gif, or a folder/ of PNGs (headless; default fps 10)
  --background white|black|#rrggbb   what transparent pixels become
  --preset tiny           a model small enough to train in seconds (tests)
  --nproc N               train on N local ranks (processes; Gloo on CPUs, NCCL with one GPU each); torchrun and
                          srun also work through RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (docs/distributed.md)
  --dist-timeout S        seconds before the other ranks give up on a rank that died or hangs (default 60)
  --threads N             libtorch CPU threads per process (default: the cores, shared among local ranks)
  pix2pix: --direction AtoB|BtoA --pairs edges|sketch|ascii|posterize --generator unet_128|unet_256
           --lambda-l1 X --loss gan_l1|palette_ce --palette-values N --load-size N
           (pix2pix: batch 1 and 128x128 unet_128 on a CPU, 256x256 unet_256 on a GPU unless given; --pairs aligned:
           A|B images, --pairs folders or a --data folder with A/ and B/: pairs by file name)
)";
}

}  // namespace ganscope
