// `ganscope bench quality` without the command line (see quality_bench.h). Calling thread.
#include "viewer/bench/quality_bench.h"

#include <chrono>
#include <cstdio>

#include "ml/train/device.h"
#include "ml/data/dataset.h"
#include "ml/models/recipe.h"
#include "ml/models/task_factory.h"

namespace ganscope {
namespace {

using Clock = std::chrono::steady_clock;

struct Running {
    std::unique_ptr<GanTask> task;
    std::unique_ptr<BatchLoader> loader;
};

// Trains until `seconds` more of wall-clock time have passed (data loading included); a host sync ends the
// slice, so queued device work is counted where it ran.
void train_for(QualityBenchArm& arm, Running& run, double seconds, torch::Device device) {
    const auto start = Clock::now();
    torch::Tensor stats;
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        LoadedBatch lb = run.loader->next();
        Batch batch;
        batch.target = lb.target.to(device, device.is_cuda());
        stats = run.task->train_step(batch);
        ++arm.steps;
    }
    if (stats.defined()) stats.cpu();
    arm.trained_seconds += std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

QualityBenchResult run_quality_bench(const QualityBenchOptions& options) {
    if (options.recipes.size() != 2) throw std::invalid_argument("bench quality: name two recipes (seed003,default)");
    if (!(options.minutes > 0) || !(options.slice_seconds > 0))
        throw std::invalid_argument("bench quality: --minutes and --slice must be positive");
    const TrainConfig& base = options.base;
    if (base.image_size <= 0) throw std::invalid_argument("bench quality: resolve the image size first");
    const torch::Device device = resolve_device(base.device == "auto" ? "cpu" : base.device);
    auto source = open_source(base.data, base.background, base.image_size);
    QualityBenchResult result;
    result.data_description = source->description();
    std::vector<Running> runs(2);
    result.arms.resize(2);
    for (size_t i = 0; i < 2; ++i) {
        QualityBenchArm& arm = result.arms[i];
        arm.recipe = options.recipes[i];
        arm.config = base;
        apply_recipe(arm.config, arm.recipe);
        arm.config.validate();
        runs[i].task = make_task(arm.config, device);
        LoaderOptions lo;
        lo.batch_size = arm.config.batch_size;
        lo.workers = arm.config.loader_workers;
        lo.prefetch_batches = arm.config.prefetch_batches;
        lo.seed = arm.config.seed;
        runs[i].loader = std::make_unique<BatchLoader>(source, make_transform(arm.config, true), lo);
    }
    const double budget = options.minutes * 60.0;
    for (int round = 0; result.arms[0].trained_seconds < budget || result.arms[1].trained_seconds < budget; ++round) {
        // Alternate which goes first, so neither always follows the other's cache and load.
        for (int k = 0; k < 2; ++k) {
            const size_t i = size_t((round + k) % 2);
            const double left = budget - result.arms[i].trained_seconds;
            if (left > 0) train_for(result.arms[i], runs[i], std::min(options.slice_seconds, left), device);
        }
        if (options.progress) {
            char line[256];
            std::snprintf(line, sizeof line, "round %d: %s %lld steps in %.0f s, %s %lld steps in %.0f s", round + 1,
                          result.arms[0].recipe.c_str(), static_cast<long long>(result.arms[0].steps),
                          result.arms[0].trained_seconds, result.arms[1].recipe.c_str(),
                          static_cast<long long>(result.arms[1].steps), result.arms[1].trained_seconds);
            options.progress(line);
        }
    }
    // One metric for both: the same reals, fixed latents and patch positions. The first evaluation also reads
    // (or computes) the real descriptors; the second is the metric's steady cost.
    QualityMetric metric(base, source);
    for (size_t i = 0; i < 2; ++i) {
        result.arms[i].quality = metric.evaluate(*runs[i].task);
        result.arms[i].grid = runs[i].task->render_samples().cpu();
    }
    result.metric_images = metric.image_count();
    result.reals_from_cache = metric.reals_from_cache();
    result.cache_path = metric.cache_path();
    result.ratio = result.arms[1].quality.swd / result.arms[0].quality.swd;
    return result;
}

}  // namespace ganscope
