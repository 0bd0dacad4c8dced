// TrainConfig <-> JSON and validation.
#include "ml/config.h"

#include <stdexcept>

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
    return {
        {"model", model}, {"data", data}, {"device", device}, {"image_size", image_size},
        {"latent_dim", latent_dim}, {"g_width", g_width}, {"d_width", d_width}, {"batch_size", batch_size},
        {"lr_g", lr_g}, {"lr_d", lr_d}, {"beta1", beta1}, {"beta2", beta2}, {"steps", steps}, {"seed", seed},
        {"grid_count", grid_count}, {"sample_every", sample_every}, {"checkpoint_every", checkpoint_every},
        {"log_every", log_every}, {"snapshot_every", snapshot_every}, {"history_every", history_every},
        {"loader_workers", loader_workers},
        {"prefetch_batches", prefetch_batches}, {"background", {background.r, background.g, background.b}},
        {"direction", direction}, {"pairs", pairs}, {"generator", generator}, {"lambda_l1", lambda_l1},
        {"loss", loss}, {"palette_values", palette_values}, {"load_size", load_size},
        // issue 15
        {"lr_schedule", lr_schedule}, {"lr_constant_steps", lr_constant_steps}, {"lr_decay_steps", lr_decay_steps},
        {"keep_every_epochs", keep_every_epochs},
    };
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("config: expected a JSON object");
    TrainConfig c;
    read(j, "model", c.model);
    read(j, "data", c.data);
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
    // issue 15
    read(j, "lr_schedule", c.lr_schedule);
    read(j, "lr_constant_steps", c.lr_constant_steps);
    read(j, "lr_decay_steps", c.lr_decay_steps);
    read(j, "keep_every_epochs", c.keep_every_epochs);
    return c;
}

void TrainConfig::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
    if (model != "dcgan" && model != "pix2pix") fail("--model " + model + ": use dcgan or pix2pix");
    if (image_size != 0 && (!power_of_two(image_size) || image_size < 16 || image_size > 512))
        fail("--size " + std::to_string(image_size) + ": use a power of two between 16 and 512 (32, 64, 128, 256)");
    if (latent_dim < 1 || latent_dim > 4096) fail("--latent " + std::to_string(latent_dim) + ": use 1 to 4096");
    if (g_width < 1 || d_width < 1) fail("--width: use a positive width");
    if (batch_size < 1 || batch_size > 4096) fail("--batch " + std::to_string(batch_size) + ": use 1 to 4096");
    if (!(lr_g > 0 && lr_g < 1) || !(lr_d > 0 && lr_d < 1)) fail("learning rates must be in (0, 1)");
    if (steps < 0) fail("--steps " + std::to_string(steps) + ": use 0 (until stopped) or a positive count");
    if (grid_count < 1 || grid_count > 256) fail("grid_count " + std::to_string(grid_count) + ": use 1 to 256");
    if (sample_every < 1 || checkpoint_every < 1 || log_every < 1 || snapshot_every < 1)
        fail("intervals (--sample-every, --checkpoint-every, --log-every) must be at least 1");
    if (history_every < 0) fail("--history-every " + std::to_string(history_every) + ": use 0 (once per epoch) or more");
    if (loader_workers < 1 || loader_workers > 64) fail("--workers: use 1 to 64");
    if (direction != "AtoB" && direction != "BtoA") fail("--direction " + direction + ": use AtoB or BtoA");
    // issue 15
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
