// `ganscope bench quality` without the command line (see quality_bench.h). Calling thread.
#include "viewer/bench/quality_bench.h"

#include <algorithm>
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
    if (options.recipes.empty() || options.recipes.size() > 2)
        throw std::invalid_argument("bench quality: name one recipe, or two to compare (seed003,default)");
    const size_t n = options.recipes.size();
    if (!(options.minutes > 0) || !(options.slice_seconds > 0))
        throw std::invalid_argument("bench quality: --minutes and --slice must be positive");
    const torch::Device device = resolve_device(options.base.device == "auto" ? "cpu" : options.base.device);
    TrainConfig base = options.base;
    base.resolve_for(device.is_cuda());
    auto source = open_source(base.data, base.background, base.image_size);
    QualityBenchResult result;
    result.data_description = source->description();
    std::vector<Running> runs(n);
    result.arms.resize(n);
    for (size_t i = 0; i < n; ++i) {
        QualityBenchArm& arm = result.arms[i];
        arm.recipe = options.recipes[i];
        arm.config = base;
        apply_recipe_spec(arm.config, arm.recipe);
        arm.config.validate();
        arm.config.resolve_for(device.is_cuda());
        runs[i].task = make_task(arm.config, device);
        LoaderOptions lo;
        lo.batch_size = arm.config.batch_size;
        lo.workers = arm.config.loader_workers;
        lo.prefetch_batches = arm.config.prefetch_batches;
        lo.seed = arm.config.seed;
        runs[i].loader = std::make_unique<BatchLoader>(source, make_transform(arm.config, true), lo);
    }
    const double budget = options.minutes * 60.0;
    // One metric for all: the same reals, fixed latents and patch positions. The first evaluation also reads (or
    // computes) the real descriptors. Evaluations are outside the timed training.
    QualityMetric metric(base, source);
    std::vector<double> marks;
    for (double m : options.marks)
        if (m > 0 && m * 60.0 < budget) marks.push_back(m * 60.0);
    std::sort(marks.begin(), marks.end());
    marks.push_back(budget);
    std::vector<size_t> next_mark(n, 0);
    auto measure = [&](size_t i) {
        QualityBenchArm& arm = result.arms[i];
        QualityBenchMark mark;
        mark.minutes = marks[next_mark[i]] / 60.0;
        mark.steps = arm.steps;
        mark.quality = metric.evaluate(*runs[i].task);
        mark.grid = runs[i].task->render_samples().cpu();
        arm.marks.push_back(std::move(mark));
        ++next_mark[i];
    };
    auto running = [&] {
        return std::any_of(next_mark.begin(), next_mark.end(), [&](size_t m) { return m < marks.size(); });
    };
    for (int round = 0; running(); ++round) {
        // Alternate which goes first, so neither always follows the other's cache and load.
        for (size_t k = 0; k < n; ++k) {
            const size_t i = (size_t(round) + k) % n;
            if (next_mark[i] == marks.size()) continue;
            const double left = marks[next_mark[i]] - result.arms[i].trained_seconds;
            train_for(result.arms[i], runs[i], std::min(options.slice_seconds, left), device);
            if (result.arms[i].trained_seconds >= marks[next_mark[i]]) measure(i);
        }
        if (options.progress) {
            std::string line = "round " + std::to_string(round + 1) + ":";
            for (const auto& arm : result.arms) {
                char part[192];
                std::snprintf(part, sizeof part, "%s %s %lld steps in %.0f s", line.back() == ':' ? "" : ",",
                              arm.recipe.c_str(), static_cast<long long>(arm.steps), arm.trained_seconds);
                line += part;
            }
            options.progress(line);
        }
    }
    for (auto& arm : result.arms) {
        arm.quality = arm.marks.back().quality;
        arm.grid = arm.marks.back().grid;
    }
    if (options.floor) result.floor = metric.real_floor(device);
    result.metric_images = metric.image_count();
    result.reals_from_cache = metric.reals_from_cache();
    result.cache_path = metric.cache_path();
    if (n == 2) result.ratio = result.arms[1].quality.swd / result.arms[0].quality.swd;
    return result;
}

}  // namespace ganscope
