// Training flags -> TrainConfig.
#include "viewer/commands/train_options.h"

#include <ctime>

#include "ml/models/recipe.h"

namespace ganscope {

void add_train_options(Args& args) {
    args.text("data", "emoji|DIR", "images to learn (default: emoji, the built-in Noto Color Emoji set)");
    args.choice("model", {"dcgan", "pix2pix"}, "which GAN (default dcgan)");
    args.whole("steps", "N", "steps to train (0: until stopped; with --resume: N more steps)");
    args.text("out", "runs/NAME", "run folder (config.json, metrics.jsonl, samples/, checkpoint.pt)");
    args.text("resume", "runs/NAME", "continue a run from its checkpoint");
    args.whole("size", "S", "image size, a power of two (default 32 on a CPU, 64 on a GPU)");
    args.whole("batch", "B", "batch size (default 64; pix2pix 1)");
    args.number("lr", "X", "Adam learning rate of both networks (default: the recipe's, 4e-4; seed003 and pix2pix 2e-4)");
    args.number("lr-g", "X", "the generator's learning rate");
    args.number("lr-d", "X", "the discriminator's learning rate");
    args.whole("latent", "L", "latent size (default 128)");
    args.whole("width", "W",
               "base width of both networks (default: the recipe's; default 32 on a CPU, 64 on a GPU; "
               "seed003 and pix2pix 64)");
    args.whole("seed", "N", "random seed (default 1)");
    args.text("device", "auto|cpu|cuda[:N]", "where to train (default auto)");
    args.whole("sample-every", "N", "steps between sample grids");
    args.whole("checkpoint-every", "N", "steps between checkpoints");
    args.whole("log-every", "N", "steps between metric records");
    args.whole("snapshot-every", "N", "steps between generator snapshots for the explorer");
    args.whole("history-every", "N", "steps between generator snapshots kept in the run's history/ (default: each epoch)");
    args.text("timelapse", "FILE", "record the captioned sample grid into FILE: .mp4 (H.264), .gif, or a folder/ of PNGs (headless)");
    args.whole("every", "N", "with --timelapse: a frame every N steps");
    args.number("timelapse-fps", "F", "with --timelapse: frames per second of the video (default 10)");
    args.whole("workers", "N", "image decoding threads (default 2)");
    args.choice("preset", {"tiny", "default"}, "tiny: a model small enough to train in seconds (tests)");
    args.whole("grid", "N", "images in the sample grid");
    args.text("background", "white|black|#rrggbb", "what transparent pixels become (default white)");
    args.choice("direction", {"AtoB", "BtoA"}, "pix2pix: which half of each pair is the input");
    args.text("pairs", "KIND", "pix2pix: edges|sketch|ascii|posterize (made from the data), aligned (A|B images) or "
                               "folders (A/ and B/ by file name)");
    args.choice("generator", {"unet_128", "unet_256"}, "pix2pix: the U-Net (unet_128 on a CPU, unet_256 on a GPU)");
    args.number("lambda-l1", "X", "pix2pix: weight of the L1 term (default 100)");
    args.text("loss", "gan_l1|palette_ce", "pix2pix: the generator's reconstruction loss");
    args.whole("palette-values", "N", "pix2pix palette_ce: values per channel");
    args.whole("load-size", "N", "pix2pix: images are loaded at this size, then randomly cropped to --size");
    args.flag("paused", "start with training paused");
    // Quality.
    args.text(
        "recipe", "default|seed003",
        "DCGAN recipe: default (`narrow`: seed 003 at twice its learning rate, 4e-4, with a "
        "weight average of G, decay 0.99, G's step reusing D's fakes, and both networks at width 32 on a CPU, 64 "
        "on a GPU; chosen by `bench quality`) or seed 003's training (BCE, Adam 2e-4 (0.5, 0.999), "
        "fresh latents for G's step, width 64; its 64x64 at batch 128 is --size 64 --batch "
        "128, the GPU default; its D differs: docs/interop.md); also the candidates ema, ema-fast, diffaug, hinge, r1, "
        "lsgan, lsgan-ema, hinge-ema, translation-ema, r1-ema, ttur-ema, lr-ema (narrow at width 64), "
        "lr-only, lr6-ema");
    args.choice("gan-loss", {"bce", "hinge", "lsgan", "wgan-gp"}, "the adversarial loss (DCGAN)");
    args.number("r1", "GAMMA", "R1 gradient penalty on real images (0: off)");
    args.text("diffaug", "color,translation,cutout|none", "differentiable augmentation of real and fake images alike");
    args.number("ema", "DECAY", "exponential moving average of G's weights for the grid, explorer and exports (0: off)");
    args.whole("swd-every", "N", "quality metric (sliced Wasserstein distance, x1e3) every N steps (0: off)");
    args.whole("swd-images", "N", "images per side of the quality metric");
    args.whole("fid-every", "N",
               "FID and KID (pytorch-fid's Inception, docs/metrics.md) every N steps (default 0: off; "
               "minutes per evaluation on a CPU)");
    args.whole("fid-images", "N", "images per side of FID and KID during training (default 256)");
    args.text("fid-weights", "FILE",
              "pt_inception-2015-12-05-6726825d.pth for --fid-every (default: $GANSCOPE_FID_WEIGHTS, "
              "then ~/.config/ganscope/)");
    args.number("publish-seconds", "S", "the grid and weights also publish by the clock, every S seconds (0: off)");
    args.number("history-seconds", "S", "history snapshots also by the clock, every S seconds (0: off)");
    // Alerts (docs/alerts.md): collapse, divergence and stalls are detected on every run.
    args.choice("on-alert", {"none", "pause", "stop"},
                "what an alert (mode collapse, divergence, stall) does besides being reported: none (default), "
                "pause the run, or stop it with a final checkpoint");
    args.text("alert-command", "CMD",
              "run CMD through the shell for each alert, the alert as JSON on its standard "
              "input (e.g. to send it to a phone); not kept in the run folder");
    // Distributed training.
    args.whole("nproc", "N", "train on N local ranks (processes; Gloo on CPUs, NCCL with one GPU each); torchrun and "
                             "srun also work through RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (docs/distributed.md)");
    args.number("dist-timeout", "S", "seconds before the other ranks give up on a rank that died or hangs (default 60)");
    args.whole("threads", "N", "libtorch CPU threads per process (default: the cores, shared among local ranks)");
    args.text("from", "FILE", "with --resume: continue from this checkpoint (a path, or a name in the run folder or its "
                              "checkpoints/, such as epoch_0005.pt)");
    args.whole("keep-every-epochs", "N", "keep runs/NAME/checkpoints/epoch_NNNN.pt every N epochs besides checkpoint.pt");
    args.text("lr-schedule", "constant|linear", "linear: the base rate for --lr-constant-steps steps, then falling "
                                                "linearly to 0 over --lr-decay-steps steps (pix2pix's rule, in steps)");
    args.whole("lr-constant-steps", "N", "--lr-schedule linear: steps at the base rate");
    args.whole("lr-decay-steps", "M", "--lr-schedule linear: steps over which the rate falls to 0");
}

namespace {

// The training options as declared above, split by whether they take a value.
std::pair<std::set<std::string>, std::set<std::string>> declared_train_options() {
    CLI::App app;
    Args args(&app);
    add_train_options(args);
    std::set<std::string> values, flags;
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_lnames().empty()) continue;
        (o->get_expected_min() == 0 ? flags : values).insert(o->get_lnames().front());
    }
    return {values, flags};
}

}  // namespace

std::set<std::string> train_value_options() { return declared_train_options().first; }
std::set<std::string> train_flag_options() { return declared_train_options().second; }

double dist_timeout_seconds(const Args& args) {
    const double s = args.get_double("dist-timeout", 60);
    if (!(s >= 1 && s <= 86400)) throw UsageError("--dist-timeout " + args.get("dist-timeout") + ": use 1 to 86400 seconds");
    return s;
}

TrainConfig config_from_args(const Args& args) {
    TrainConfig c;
    c.model = args.get("model", c.model);
    // Quality: the measured recipe unless told otherwise; the preset and the single options
    // below override it.
    if (c.model == "dcgan") {
        try {
            apply_recipe(c, args.get("recipe", "default"));
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    } else if (args.has("recipe")) {
        throw UsageError("--recipe chooses a DCGAN recipe; pix2pix trains with its paper's objective");
    }
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
    }
    // Options of the other model would be ignored without a word: refuse them, naming the model they belong to.
    for (const char* option : {"loss", "pairs", "generator", "direction", "lambda-l1", "palette-values", "load-size"})
        if (c.model != "pix2pix" && args.has(option))
            throw UsageError(std::string("--") + option + " is a pix2pix option; add --model pix2pix, or leave it out");
    for (const char* option : {"latent", "gan-loss", "r1", "diffaug", "ema"})
        if (c.model == "pix2pix" && args.has(option))
            throw UsageError(std::string("--") + option +
                             " is a DCGAN option; pix2pix has no latent space and trains "
                             "with its paper's objective");
    c.gan_loss = args.get("gan-loss", c.gan_loss);
    c.r1_gamma = args.get_double("r1", c.r1_gamma);
    c.diffaug = args.get("diffaug", c.diffaug);
    if (c.diffaug == "none") c.diffaug.clear();
    c.ema_decay = args.get_double("ema", c.ema_decay);
    c.swd_every = args.get_int("swd-every", c.swd_every);
    c.swd_images = args.get_int("swd-images", c.swd_images);
    c.fid_every = args.get_int("fid-every", c.fid_every);
    c.fid_images = args.get_int("fid-images", c.fid_images);
    c.publish_seconds = args.get_double("publish-seconds", c.publish_seconds);
    c.history_seconds = args.get_double("history-seconds", c.history_seconds);
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
    c.keep_every_epochs = args.get_int("keep-every-epochs", c.keep_every_epochs);
    c.lr_schedule = args.get("lr-schedule", c.lr_schedule);
    c.lr_constant_steps = args.get_int64("lr-constant-steps", c.lr_constant_steps);
    c.lr_decay_steps = args.get_int64("lr-decay-steps", c.lr_decay_steps);
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

void run_folder_from_args(const Args& args, TrainerOptions& options) {
    options.on_alert = args.get("on-alert", "none");
    options.alert_command = args.get("alert-command", "");
    options.fid_weights = args.get("fid-weights", "");
    if (!args.has("resume")) {
        if (args.has("from")) throw UsageError("--from FILE goes with --resume runs/NAME");
        options.run_dir = run_dir_from_args(args, options.config);
        return;
    }
    options.resume = true;
    options.run_dir = args.get("resume");
    options.extra_steps = args.has("steps") ? args.get_int64("steps", 0) : -1;
    options.resume_from = args.get("from");
    // options.config holds the command line's rates, already checked by config_from_args.
    if (args.has("lr")) options.resume_lr_g = options.resume_lr_d = options.config.lr_g;
    if (args.has("lr-g")) options.resume_lr_g = options.config.lr_g;
    if (args.has("lr-d")) options.resume_lr_d = options.config.lr_d;
}

}  // namespace ganscope
