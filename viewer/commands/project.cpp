// `ganscope project --checkpoint F --image IMG --out z.pt`: the latent from which a DCGAN checkpoint's generator
// draws the closest image it can to IMG (ml/models/projection.h), written as a file the explorer and Python read;
// `--preview FILE` writes the target beside the reconstruction. The last line is `rms: X` (8-bit levels). Main thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "ml/data/tensor_image.h"
#include "ml/models/dcgan.h"
#include "ml/models/projection.h"
#include "ml/models/task_factory.h"
#include "ml/run/checkpoint.h"
#include "ml/train/device.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace {

int project(const Args& args) {
    torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
    const std::string path = args.get("checkpoint"), image = args.get("image"), out = args.get("out");
    ProjectionOptions options;
    const int total = args.get_int("steps", options.total_steps());
    if (total < 2 || total > 100000) throw UsageError("--steps " + std::to_string(total) + ": give 2 to 100000 steps");
    options.search_steps = std::min(40, total / 4);  // every start searched for a quarter, at most 40 steps
    options.steps = total - options.search_steps;
    options.restarts = args.get_int("restarts", options.restarts);
    options.feature_weight = args.get_double("feature-weight", options.feature_weight);
    options.seed = uint64_t(args.get_int64("seed", int64_t(options.seed)));
    try {
        check_projection_options(options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const std::string ext = out.substr(std::min(out.size(), out.rfind('.')));
    if (ext != ".pt" && ext != ".pth" && ext != ".txt")
        throw UsageError("--out " + out +
                         ": write the latent as .pt (torch.save, for Python) or .txt (the explorer's text)");

    const CheckpointMeta meta = read_checkpoint_meta(path);
    const TrainConfig& config = meta.config;
    if (!config.has_latent_space())
        throw UsageError(path + ": a " + config.model +
                         " run translates images; projection finds the latent of a generator of latents (a DCGAN run); "
                         "`ganscope translate` runs a pix2pix model on an image");
    const torch::Tensor target = load_projection_target(image, config.image_size, config.background);
    const torch::Device device = resolve_device(args.get("device", "auto"));
    std::unique_ptr<GanTask> task = make_task(config, device);
    load_checkpoint(path, *task);
    auto& dcgan = dynamic_cast<DcganTask&>(*task);

    std::printf("project: %s (%dx%d) into the latent space of %s (step %lld), %d starts, %d + %d steps, on %s\n",
                image.c_str(), config.image_size, config.image_size, path.c_str(), static_cast<long long>(meta.step),
                options.restarts, options.search_steps, options.steps, device.str().c_str());
    const auto t0 = std::chrono::steady_clock::now();
    const ProjectionProgress found = project_latent(
        dcgan.sample_generator(), &dcgan.discriminator(), target, options,
        [](const ProjectionProgress& p) {
            std::printf("step %4d/%d  %s  loss %.5f  pixels %.5f  features %.4f  rms %.2f levels\n", p.step, p.total,
                        p.start < 0 ? "search" : "refine", p.loss, p.pixel, p.feature, p.rms_levels);
            std::fflush(stdout);
            return true;
        },
        50);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    save_projected_latent(out, found.latent);
    if (args.has("preview")) {
        const std::string preview = args.get("preview");
        write_png(preview, tensor_to_image(make_grid(torch::stack({target, found.image.clamp(-1, 1)}), 2, 2, 1.0f)));
        std::printf("written: %s (the target, then what the generator draws from the latent)\n", preview.c_str());
    }
    std::printf("written: %s (start %d of %d kept, %.1f s)\n", out.c_str(), found.start + 1, options.restarts, seconds);
    std::printf("rms: %.3f\n", found.rms_levels);
    return 0;
}

}  // namespace

void add_project_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "project",
                         "the latent from which a DCGAN checkpoint's generator draws the closest image it can to "
                         "IMG (several random starts; pixel and discriminator-feature loss), written for the explorer "
                         "and Python (`rms: X`, the difference in 8-bit levels, last)",
                         project);
    args.text("checkpoint", "FILE", "a DCGAN run's checkpoint.pt")->required();
    args.text("image", "IMG", "the image to project (PNG, JPEG, ...; centre-cropped to the training size)")->required();
    args.text("out", "FILE", "the latent: .pt (torch.save({'latent': 1 x L})) or .txt (comma-separated)")->required();
    args.whole("steps", "N", "optimisation steps (default 300: a quarter of them, at most 40, search every start)");
    args.whole("restarts", "R", "random starting latents searched (default 8)");
    args.number("feature-weight", "W", "weight of the discriminator-feature term (default 0.03; 0: pixels only)");
    args.whole("seed", "S", "the starting latents' seed (default 1)");
    args.text("preview", "PNG", "also write the target beside the reconstruction");
    args.text("device", "auto|cpu|cuda[:N]", "where the generator runs (default auto)");
}

}  // namespace ganscope
