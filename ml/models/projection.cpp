// project_latent and its files (see projection.h). Any thread that owns the modules.
#include "ml/models/projection.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ml/data/tensor_image.h"
#include "ml/models/latent.h"
#include "ml/run/module_io.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {
namespace {

// Restores requires_grad of a module's parameters when the projection ends, however it ends.
class FrozenParameters {
public:
    explicit FrozenParameters(torch::nn::Module* module) {
        if (!module) return;
        for (torch::Tensor& p : module->parameters()) {
            m_saved.emplace_back(p, p.requires_grad());
            p.requires_grad_(false);
        }
    }
    ~FrozenParameters() {
        for (auto& [p, was] : m_saved) p.requires_grad_(was);
    }
    FrozenParameters(const FrozenParameters&) = delete;
    FrozenParameters& operator=(const FrozenParameters&) = delete;

private:
    std::vector<std::pair<torch::Tensor, bool>> m_saved;
};

// Restores a module's train/eval mode.
class ModeGuard {
public:
    explicit ModeGuard(torch::nn::Module* module) : m_module(module), m_training(module && module->is_training()) {
        if (m_module) m_module->eval();
    }
    ~ModeGuard() {
        if (m_module) m_module->train(m_training);
    }
    ModeGuard(const ModeGuard&) = delete;
    ModeGuard& operator=(const ModeGuard&) = delete;

private:
    torch::nn::Module* m_module;
    bool m_training;
};

// The discriminator's penultimate activations (everything but its last convolution), flattened per image.
torch::Tensor penultimate(DcganDiscriminator& d, const torch::Tensor& images) {
    torch::Tensor x = images;
    const size_t last = d->net->size() - 1;
    size_t i = 0;
    for (torch::nn::AnyModule& module : *d->net) {
        if (i++ == last) break;
        x = module.forward(x);
    }
    return x.flatten(1);
}

// The learning rate at step `i` of a phase of `n` steps: flat, then a cosine ramp to zero over the last quarter
// (the projector of StyleGAN2 ramps down the same way; the final steps settle instead of jittering).
double ramped_rate(double rate, int i, int n) {
    const double ramp = std::max(1.0, 0.25 * n);
    const double left = double(n - i);
    if (left >= ramp) return rate;
    return rate * 0.5 * (1.0 - std::cos(M_PI * left / ramp));
}

struct Terms {
    torch::Tensor loss, pixel, feature, images;  // per start (loss, pixel, feature: R), images R x 3 x S x S
};

}  // namespace

void check_projection_options(const ProjectionOptions& o) {
    if (o.restarts < 1 || o.restarts > 64)
        throw std::invalid_argument("--restarts " + std::to_string(o.restarts) + ": give 1 to 64 starting latents");
    if (o.search_steps < 0 || o.search_steps > 100000 || o.steps < 1 || o.steps > 100000)
        throw std::invalid_argument("--steps " + std::to_string(o.steps) + ": give 1 to 100000 steps");
    if (!(o.learning_rate > 0 && o.learning_rate < 10))
        throw std::invalid_argument("projection learning rate " + std::to_string(o.learning_rate) +
                                    ": give a number above 0 and below 10");
    if (!(o.feature_weight >= 0 && o.feature_weight <= 1000))
        throw std::invalid_argument("--feature-weight " + std::to_string(o.feature_weight) + ": give 0 to 1000");
    if (!(o.prior_weight >= 0 && o.prior_weight <= 1000))
        throw std::invalid_argument("projection prior weight " + std::to_string(o.prior_weight) + ": give 0 to 1000");
}

ProjectionProgress project_latent(DcganGenerator& generator, DcganDiscriminator* discriminator,
                                  const torch::Tensor& target, const ProjectionOptions& options,
                                  const std::function<bool(const ProjectionProgress&)>& report, int report_every) {
    check_projection_options(options);
    const torch::Device device = generator->parameters().front().device();
    const int64_t latent_dim = generator->latent_dim;
    torch::Tensor t = target.to(device, torch::kFloat32);
    if (t.dim() == 4 && t.size(0) == 1) t = t[0];
    {
        torch::NoGradGuard no_grad;
        const torch::Tensor probe = generator->forward(torch::zeros({1, latent_dim}, t.options()));
        if (t.dim() != 3 || t.sizes() != probe[0].sizes())
            throw std::invalid_argument("projection target of shape " + c10::str(t.sizes()) +
                                        ": this generator draws " + c10::str(probe[0].sizes()));
    }
    ModeGuard g_mode(generator.ptr().get());
    FrozenParameters g_frozen(generator.ptr().get());
    torch::nn::Module* d_module = discriminator ? discriminator->ptr().get() : nullptr;
    ModeGuard d_mode(d_module);
    FrozenParameters d_frozen(d_module);
    const bool features = discriminator && options.feature_weight > 0;

    torch::Tensor target_features;
    double feature_scale = 1;
    if (features) {
        torch::NoGradGuard no_grad;
        target_features = penultimate(*discriminator, t.unsqueeze(0));
        feature_scale = std::max(1e-8, target_features.pow(2).mean().item<double>());
    }
    auto terms = [&](const torch::Tensor& z) {
        Terms out;
        out.images = generator->forward(z);
        out.pixel = (out.images - t.unsqueeze(0)).pow(2).flatten(1).mean(1);
        out.loss = out.pixel;
        if (features) {
            out.feature = (penultimate(*discriminator, out.images) - target_features).pow(2).mean(1) / feature_scale;
            out.loss = out.loss + options.feature_weight * out.feature;
        } else {
            out.feature = torch::zeros_like(out.pixel);
        }
        if (options.prior_weight > 0) out.loss = out.loss + options.prior_weight * (z.pow(2).mean(1) - 1).pow(2);
        return out;
    };

    const int total = options.total_steps();
    ProjectionProgress progress;
    progress.total = total;
    auto describe = [&](const Terms& terms, const torch::Tensor& z, int64_t row) {
        torch::NoGradGuard no_grad;
        progress.loss = terms.loss[row].item<double>();
        progress.pixel = terms.pixel[row].item<double>();
        progress.feature = terms.feature[row].item<double>();
        progress.latent = z[row].detach().to(torch::kCPU).clone();
        progress.image = terms.images[row].detach().to(torch::kCPU).clone();
        // [-1, 1] spans 255 levels over 2.
        progress.rms_levels = std::sqrt(progress.pixel) * 127.5;
    };
    // The figures are read from the device (a host sync, and the image copied) only at the steps that report them.
    auto due = [&](int step) { return report && report_every > 0 && step % report_every == 0; };

    // Phase 1: every start, side by side (eval-mode BatchNorm keeps the rows independent; Adam is per element).
    at::Generator rng = make_random_generator(torch::kCPU, options.seed);
    torch::Tensor z = torch::randn({options.restarts, latent_dim}, rng).to(device).requires_grad_(true);
    torch::optim::Adam search({z}, torch::optim::AdamOptions(options.learning_rate));
    int step = 0;
    for (int i = 0; i < options.search_steps; ++i) {
        static_cast<torch::optim::AdamOptions&>(search.param_groups()[0].options())
            .lr(ramped_rate(options.learning_rate, i, options.search_steps));
        search.zero_grad();
        Terms now = terms(z);
        now.loss.sum().backward();
        const bool telling = due(++step);
        if (telling) describe(now, z, now.loss.argmin().item<int64_t>());
        search.step();
        if (telling) {
            progress.step = step;
            if (!report(progress)) return progress;
        }
    }
    // The start that ends the search lowest goes on alone.
    torch::Tensor kept;
    {
        torch::NoGradGuard no_grad;
        const Terms now = terms(z);
        const int64_t best = now.loss.argmin().item<int64_t>();
        progress.start = int(best);
        kept = z.detach()[best].unsqueeze(0).clone().requires_grad_(true);
    }
    torch::optim::Adam refine({kept}, torch::optim::AdamOptions(options.learning_rate));
    for (int i = 0; i < options.steps; ++i) {
        static_cast<torch::optim::AdamOptions&>(refine.param_groups()[0].options())
            .lr(ramped_rate(options.learning_rate, i, options.steps));
        refine.zero_grad();
        Terms now = terms(kept);
        now.loss.sum().backward();
        const bool telling = i + 1 < options.steps && due(++step);
        if (telling) describe(now, kept, 0);
        refine.step();
        if (telling) {
            progress.step = step;
            if (!report(progress)) return progress;
        }
    }
    {
        torch::NoGradGuard no_grad;
        describe(terms(kept), kept, 0);  // after the last step
    }
    progress.step = total;
    progress.done = true;
    if (report) report(progress);
    return progress;
}

torch::Tensor load_projection_target(const std::string& path, int size, Rgb background) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw std::runtime_error(path + ": no such image file (give the path of a PNG, JPEG, BMP, GIF or TGA)");
    std::string reason;
    if (!probe_image(path, &reason))
        throw std::runtime_error(path + ": not an image ganscope can read (" + reason +
                                 "); give a PNG, JPEG, BMP, GIF or TGA");
    return image_to_tensor(resize_short_side_center_crop(load_image(path, background), size));
}

void save_projected_latent(const std::string& path, const torch::Tensor& latent) {
    const std::string ext = std::filesystem::path(path).extension().string();
    const torch::Tensor z = latent.detach().to(torch::kCPU, torch::kFloat32).reshape({1, -1}).contiguous();
    if (ext == ".pt" || ext == ".pth") {
        write_torch_save(path, {{"latent", z}});
    } else if (ext == ".txt") {
        save_latent(path, z[0]);
    } else {
        throw std::invalid_argument(path +
                                    ": write the latent as .pt (torch.save, for Python) or .txt (the "
                                    "explorer's text)");
    }
}

}  // namespace ganscope
