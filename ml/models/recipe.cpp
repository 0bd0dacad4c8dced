// DCGAN training recipes (see recipe.h). Any thread.
#include "ml/models/recipe.h"

#include <sstream>
#include <stdexcept>

namespace ganscope {
namespace {

struct Recipe {
    const char* name;
    const char* gan_loss;
    double r1_gamma;
    const char* diffaug;
    double ema_decay;
    double lr_g = 2e-4;  // Adam's rates: seed 003's unless the recipe is about them
    double lr_d = 2e-4;
    bool fresh_g_latents = false;  // seed 003 only: the candidates were measured reusing D's fakes
    const char* ema_statistics = "copy";
    int width = 64;  // both networks' base width; 0: chosen for the device (TrainConfig::resolve_for)
};

// seed 003 first; the field's remedies for small data sets added one at a time.
const Recipe kRecipes[] = {
    {"seed003", "bce", 0, "", 0, 2e-4, 2e-4, true},
    {"ema", "bce", 0, "", 0.999},
    {"ema-fast", "bce", 0, "", 0.99},
    {"lsgan", "lsgan", 0, "", 0},
    {"diffaug", "bce", 0, "color,translation,cutout", 0.999},
    {"hinge", "hinge", 0, "color,translation,cutout", 0.999},
    {"r1", "bce", 0.1, "color,translation,cutout", 0.999},
    // The fast average with one more remedy each; the last two change only Adam's rates (TTUR: Heusel et al.
    // 2017, a faster D; or both faster).
    {"lsgan-ema", "lsgan", 0, "", 0.99},
    {"hinge-ema", "hinge", 0, "", 0.99},
    {"translation-ema", "bce", 0, "translation", 0.99},
    {"r1-ema", "bce", 0.1, "", 0.99},
    {"ttur-ema", "bce", 0, "", 0.99, 1e-4, 4e-4},
    {"lr-ema", "bce", 0, "", 0.99, 4e-4, 4e-4},
    {"lr-only", "bce", 0, "", 0, 4e-4, 4e-4},
    {"lr6-ema", "bce", 0, "", 0.99, 6e-4, 6e-4},
    // lr-ema with both networks at half width on a CPU (32) and the paper's 64 on a GPU: on 2 cores a step
    // costs about a quarter, and in the first minutes steps are what a GAN lacks ("The first five minutes").
    {"narrow", "bce", 0, "", 0.99, 4e-4, 4e-4, false, "copy", 0},
};

// Measured (docs/benchmarks.md): lr-ema beat seed 003 in every 10-minute run on the loaded dev box (SWD ratio
// 0.66-0.82); ema-fast, the earlier default, won before ~300 steps and lost after; the hinge, R1, TTUR and
// least-squares variants lost their screens. Then the width (2026-12-08, "The first five minutes"): lr-ema at
// width 32 drew nameable emoji at 2 minutes where width 64 drew blobs; width 16 led at 1 minute and fell behind
// by 5; batch 32 and recomputed BatchNorm statistics for the average did not beat it.
const char* kDefault = "narrow";

const Recipe& find(const std::string& name) {
    const std::string wanted = name == "default" ? kDefault : name;
    for (const auto& r : kRecipes)
        if (wanted == r.name) return r;
    std::string all;
    for (const auto& n : recipe_names()) all += (all.empty() ? "" : ", ") + n;
    throw std::invalid_argument("--recipe " + name + ": use one of " + all);
}

}  // namespace

const std::vector<std::string>& recipe_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out{"default"};
        for (const auto& r : kRecipes) out.push_back(r.name);
        return out;
    }();
    return names;
}

const char* default_recipe() { return kDefault; }

void apply_recipe(TrainConfig& c, const std::string& name) {
    const Recipe& r = find(name);
    c.gan_loss = r.gan_loss;
    c.r1_gamma = r.r1_gamma;
    c.diffaug = r.diffaug;
    c.ema_decay = r.ema_decay;
    c.lr_g = r.lr_g;
    c.lr_d = r.lr_d;
    c.fresh_g_latents = r.fresh_g_latents;
    c.ema_statistics = r.ema_statistics;
    c.g_width = c.d_width = r.width;
}

void apply_recipe_spec(TrainConfig& c, const std::string& spec) {
    std::stringstream parts(spec);
    std::string name;
    std::getline(parts, name, ':');
    apply_recipe(c, name);
    for (std::string item; std::getline(parts, item, ':');) {
        const size_t eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string text = eq == std::string::npos ? "" : item.substr(eq + 1);
        auto number = [&] {
            try {
                size_t used = 0;
                const double value = std::stod(text, &used);
                if (used == text.size()) return value;
            } catch (const std::exception&) {}
            throw std::invalid_argument("recipe " + spec + ": " + item + " is not key=number");
        };
        if (key == "width")
            c.g_width = c.d_width = int(number());
        else if (key == "batch")
            c.batch_size = int(number());
        else if (key == "lr")
            c.lr_g = c.lr_d = number();
        else if (key == "lr-g")
            c.lr_g = number();
        else if (key == "lr-d")
            c.lr_d = number();
        else if (key == "ema")
            c.ema_decay = number();
        else if (key == "beta1")
            c.beta1 = number();
        else if (key == "ema-stats")
            c.ema_statistics = text;
        else
            throw std::invalid_argument("recipe " + spec + ": unknown key " + key +
                                        "; use width, batch, lr, lr-g, lr-d, ema, beta1 or ema-stats");
    }
}

std::string recipe_of(const TrainConfig& c) {
    auto matches = [&](const Recipe& r) {
        // A width of 0 is the device's choice, so any resolved width matches it.
        const bool width = r.width == 0 || (c.g_width == r.width && c.d_width == r.width);
        return c.gan_loss == r.gan_loss && c.r1_gamma == r.r1_gamma && c.diffaug == r.diffaug &&
               c.ema_decay == r.ema_decay && c.lr_g == r.lr_g && c.lr_d == r.lr_d &&
               c.fresh_g_latents == r.fresh_g_latents && c.ema_statistics == r.ema_statistics && width;
    };
    // The default first: on a GPU it resolves to the width of the candidate it grew from.
    if (matches(find(kDefault))) return kDefault;
    for (const auto& r : kRecipes)
        if (matches(r)) return r.name;
    return "custom";
}

}  // namespace ganscope
