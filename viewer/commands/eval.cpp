// `ganscope eval --checkpoint F`: the quality metric of a checkpoint, `swd: X` as the last line.
// Main thread.
#include <cmath>
#include <cstdio>
#include <thread>

#include "ml/train/quality.h"
#include "ml/models/recipe.h"
#include "viewer/commands/commands.h"

namespace ganscope {

namespace {

int eval(const Args& args) {
    torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
    const CheckpointQuality q =
        evaluate_checkpoint(args.get("checkpoint"), args.get("device", "auto"), args.get_int("swd-images", 0));
    const TrainConfig& c = q.config;
    std::printf("eval: %s, %s %dx%d at step %lld on %s", args.get("checkpoint").c_str(), c.model.c_str(), c.image_size,
                c.image_size, static_cast<long long>(q.step), q.device.c_str());
    if (c.model == "dcgan") std::printf(", recipe %s", recipe_of(c).c_str());
    std::printf("\n");
    if (q.images > 0)
        std::printf("%lld generated images (fixed latents) against %lld real ones; real descriptors %s %s\n",
                    static_cast<long long>(q.images), static_cast<long long>(q.images),
                    q.reals_from_cache ? "read from" : "computed and cached in", q.cache_path.c_str());
    else
        std::printf("validation pairs: outputs against their targets\n");
    std::printf("metric time: %.2f s\n", q.record.seconds);
    if (std::isfinite(q.record.val_l1)) std::printf("val_l1: %.5f\n", q.record.val_l1);
    for (const auto& [resolution, value] : q.record.levels) std::printf("swd_%d: %.3f\n", resolution, value);
    std::printf("swd: %.3f\n", q.record.swd);
    return 0;
}

}  // namespace

void add_eval_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "eval", "the quality metric of a checkpoint (sliced Wasserstein distance; last line "
                                          "`swd: X`)", eval);
    args.text("checkpoint", "FILE", "a run's checkpoint.pt")->required();
    args.text("device", "auto|cpu|cuda[:N]", "where to compute it (default auto)");
    args.whole("swd-images", "N", "images per side (default: the run's)");
}

}  // namespace ganscope
