// TrainConfig <-> JSON and validation.
#include "ml/config.h"

#include <sstream>
#include <stdexcept>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

template <class T>
void read(const nlohmann::json& j, const char* key, T& value) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    try {
        value = it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw std::invalid_argument(std::string("config: key '") + key + "' has the wrong type (" + it->dump() + ")");
    }
}

bool power_of_two(int v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

nlohmann::json TrainConfig::to_json() const {
    nlohmann::json j = {
        {"model", model},
        {"data", utf8_or_replacement(data)},
        {"device", device},
        {"image_size", image_size},
        {"latent_dim", latent_dim},
        {"g_width", g_width},
        {"d_width", d_width},
        {"batch_size", batch_size},
        {"lr_g", lr_g},
        {"lr_d", lr_d},
        {"beta1", beta1},
        {"beta2", beta2},
        {"steps", steps},
        {"seed", seed},
        {"grid_count", grid_count},
        {"sample_every", sample_every},
        {"checkpoint_every", checkpoint_every},
        {"log_every", log_every},
        {"snapshot_every", snapshot_every},
        {"history_every", history_every},
        {"loader_workers", loader_workers},
        {"prefetch_batches", prefetch_batches},
        {"background", {background.r, background.g, background.b}},
        {"direction", direction},
        {"pairs", pairs},
        {"generator", generator},
        {"lambda_l1", lambda_l1},
        {"loss", loss},
        {"palette_values", palette_values},
        {"load_size", load_size},
        // quality
        {"gan_loss", gan_loss},
        {"r1_gamma", r1_gamma},
        {"diffaug", diffaug},
        {"ema_decay", ema_decay},
        {"fresh_g_latents", fresh_g_latents},
        {"ema_statistics", ema_statistics},
        {"swd_every", swd_every},
        {"swd_images", swd_images},
        {"fid_every", fid_every},
        {"fid_images", fid_images},
        {"publish_seconds", publish_seconds},
        {"history_seconds", history_seconds},
        {"lr_schedule", lr_schedule},
        {"lr_constant_steps", lr_constant_steps},
        {"lr_decay_steps", lr_decay_steps},
        {"keep_every_epochs", keep_every_epochs},
    };
    // JSON text is UTF-8 and a folder's name is bytes: one that is not UTF-8 is kept exactly beside its readable form.
    if (!valid_utf8(data)) j["data_bytes"] = hex_encode(data);
    // Distributed training.
    j["world_size"] = world_size;
    j["global_batch_size"] = int64_t(batch_size) * world_size;
    return j;
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("config: expected a JSON object");
    TrainConfig c;
    read(j, "model", c.model);
    read(j, "data", c.data);
    if (j.contains("data_bytes")) {
        std::string hex;
        read(j, "data_bytes", hex);
        try {
            c.data = hex_decode(hex);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(std::string("config: 'data_bytes' is not hex text (") + e.what() + ")");
        }
    }
    read(j, "device", c.device);
    read(j, "image_size", c.image_size);
    read(j, "latent_dim", c.latent_dim);
    read(j, "g_width", c.g_width);
    read(j, "d_width", c.d_width);
    read(j, "batch_size", c.batch_size);
    read(j, "lr_g", c.lr_g);
    read(j, "lr_d", c.lr_d);
    read(j, "beta1", c.beta1);
    read(j, "beta2", c.beta2);
    read(j, "steps", c.steps);
    read(j, "seed", c.seed);
    read(j, "grid_count", c.grid_count);
    read(j, "sample_every", c.sample_every);
    read(j, "checkpoint_every", c.checkpoint_every);
    read(j, "log_every", c.log_every);
    read(j, "snapshot_every", c.snapshot_every);
    read(j, "history_every", c.history_every);
    read(j, "loader_workers", c.loader_workers);
    read(j, "prefetch_batches", c.prefetch_batches);
    if (j.contains("background")) {
        std::vector<int> bg;
        read(j, "background", bg);
        if (bg.size() != 3) throw std::invalid_argument("config: 'background' must be [r, g, b]");
        c.background = {uint8_t(bg[0]), uint8_t(bg[1]), uint8_t(bg[2])};
    }
    read(j, "direction", c.direction);
    read(j, "pairs", c.pairs);
    read(j, "generator", c.generator);
    read(j, "lambda_l1", c.lambda_l1);
    read(j, "loss", c.loss);
    read(j, "palette_values", c.palette_values);
    read(j, "load_size", c.load_size);
    // quality
    read(j, "gan_loss", c.gan_loss);
    read(j, "r1_gamma", c.r1_gamma);
    read(j, "diffaug", c.diffaug);
    read(j, "ema_decay", c.ema_decay);
    read(j, "fresh_g_latents", c.fresh_g_latents);
    read(j, "ema_statistics", c.ema_statistics);
    read(j, "swd_every", c.swd_every);
    read(j, "swd_images", c.swd_images);
    read(j, "fid_every", c.fid_every);
    read(j, "fid_images", c.fid_images);
    read(j, "publish_seconds", c.publish_seconds);
    read(j, "history_seconds", c.history_seconds);
    read(j, "world_size", c.world_size);  // distributed; global_batch_size follows from it
    read(j, "lr_schedule", c.lr_schedule);
    read(j, "lr_constant_steps", c.lr_constant_steps);
    read(j, "lr_decay_steps", c.lr_decay_steps);
    read(j, "keep_every_epochs", c.keep_every_epochs);
    return c;
}

namespace {
std::string number_text(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}
}  // namespace

std::string learning_rates_problem(double lr_g, double lr_d) {
    for (const auto& [name, lr] : {std::pair<const char*, double>{"--lr-g", lr_g}, {"--lr-d", lr_d}})
        if (!(lr > 0 && lr < 1))
            return std::string(name) + " " + number_text(lr) + ": a learning rate is in (0, 1), such as 2e-4";
    return "";
}

std::string batch_size_problem(int batch_size) {
    if (batch_size < 1 || batch_size > 4096) return "--batch " + std::to_string(batch_size) + ": use 1 to 4096";
    return "";
}

void TrainConfig::resolve_for(bool cuda) {
    if (image_size == 0) image_size = image_to_image() ? (cuda ? 256 : 128) : (cuda ? 64 : 32);
    // A DCGAN at half width trains about 4x the steps a minute on a CPU, and on 2 cores that wins the first
    // minutes (docs/benchmarks.md, "The first five minutes"); a GPU has the FLOPs for the paper's width.
    const int width = image_to_image() || cuda ? 64 : 32;
    if (g_width == 0) g_width = width;
    if (d_width == 0) d_width = width;
}

void TrainConfig::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
    if (model != "dcgan" && model != "pix2pix") fail("--model " + model + ": use dcgan or pix2pix");
    if (image_size != 0 && (!power_of_two(image_size) || image_size < 16 || image_size > 512))
        fail("--size " + std::to_string(image_size) + ": use a power of two between 16 and 512 (32, 64, 128, 256)");
    if (latent_dim < 1 || latent_dim > 4096) fail("--latent " + std::to_string(latent_dim) + ": use 1 to 4096");
    if (g_width < 0 || d_width < 0) fail("--width: use a positive width (or 0: chosen for the device)");
    if (std::string why = batch_size_problem(batch_size); !why.empty()) fail(why);
    if (std::string why = learning_rates_problem(lr_g, lr_d); !why.empty()) fail(why);
    if (steps < 0) fail("--steps " + std::to_string(steps) + ": use 0 (until stopped) or a positive count");
    if (grid_count < 1 || grid_count > 256) fail("--grid " + std::to_string(grid_count) + ": use 1 to 256 samples");
    if (sample_every < 1 || checkpoint_every < 1 || log_every < 1 || snapshot_every < 1)
        fail("intervals (--sample-every, --checkpoint-every, --log-every) must be at least 1");
    if (history_every < 0) fail("--history-every " + std::to_string(history_every) + ": use 0 (once per epoch) or more");
    if (loader_workers < 1 || loader_workers > 64) fail("--workers: use 1 to 64");
    if (world_size < 1) fail("world size " + std::to_string(world_size) + ": use 1 or more ranks");
    if (direction != "AtoB" && direction != "BtoA") fail("--direction " + direction + ": use AtoB or BtoA");
    // quality
    // The names parse_gan_loss and parse_augment_policy accept, checked here without libtorch (the config
    // reader is fuzzed on its own, tests/fuzz).
    if (gan_loss != "bce" && gan_loss != "hinge" && gan_loss != "lsgan" && gan_loss != "wgan-gp")
        fail("--gan-loss " + gan_loss + ": use bce, hinge, lsgan or wgan-gp");
    if (!diffaug.empty() && diffaug != "none") {
        std::stringstream parts(diffaug);
        for (std::string part; std::getline(parts, part, ',');)
            if (part != "color" && part != "colour" && part != "translation" && part != "cutout")
                fail("--diffaug " + diffaug + ": unknown part '" + part + "'; use color,translation,cutout (any of them) or none");
    }
    if (!(r1_gamma >= 0 && r1_gamma < 1e6)) fail("--r1 " + std::to_string(r1_gamma) + ": use 0 (off) or a positive gamma");
    if (!(ema_decay >= 0 && ema_decay < 1)) fail("--ema " + std::to_string(ema_decay) + ": use 0 (off) or a decay below 1, such as 0.999");
    if (ema_statistics != "copy" && ema_statistics != "recompute")
        fail("ema_statistics " + ema_statistics + ": use copy or recompute");
    if (swd_every < 0) fail("--swd-every " + std::to_string(swd_every) + ": use 0 (off) or a step count");
    if (swd_images < 16 || swd_images > 65536) fail("--swd-images " + std::to_string(swd_images) + ": use 16 to 65536");
    if (fid_every < 0) fail("--fid-every " + std::to_string(fid_every) + ": use 0 (off) or a step count");
    if (fid_images < 2 || fid_images > 65536) fail("--fid-images " + std::to_string(fid_images) + ": use 2 to 65536");
    if (!(publish_seconds >= 0) || !(history_seconds >= 0)) fail("--publish-seconds / --history-seconds: use 0 (off) or more");
    if (model == "pix2pix" && (gan_loss != "bce" || r1_gamma > 0 || !diffaug.empty() || ema_decay > 0))
        fail("--gan-loss, --r1, --diffaug and --ema are DCGAN options; pix2pix trains with its paper's BCE + L1");
    if (lr_schedule != "constant" && lr_schedule != "linear")
        fail("--lr-schedule " + lr_schedule + ": use constant or linear");
    if (lr_constant_steps < 0 || lr_decay_steps < 0)
        fail("--lr-constant-steps / --lr-decay-steps: use 0 or more steps");
    if (lr_schedule == "linear" && lr_decay_steps < 1)
        fail("--lr-schedule linear needs --lr-decay-steps M (at least 1): the steps over which the rate falls to 0");
    if (keep_every_epochs < 0)
        fail("--keep-every-epochs " + std::to_string(keep_every_epochs) + ": use 0 (none) or a number of epochs");
}

}  // namespace ganscope
