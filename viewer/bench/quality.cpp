// `ganscope bench quality --minutes M`: seed 003's recipe and the default recipe trained for the same wall-clock
// time on the same data, interleaved (viewer/bench/quality_bench.h); prints each one's SWD (also at --marks, with
// the metric's floor) and `ratio: X` (default over seed 003; lower is better) last, and saves the grids side by
// side. One recipe alone ends with `swd: X` instead (a reference figure). Main thread.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "viewer/bench/quality_bench.h"
#include "ml/train/device.h"
#include "ml/models/recipe.h"
#include "ml/data/tensor_image.h"
#include "viewer/bench/bench.h"

namespace ganscope {

int bench_quality(const Args& args) {
    QualityBenchOptions o;
    o.minutes = args.get_double("minutes", 10);
    o.slice_seconds = args.get_double("slice", 20);
    std::stringstream names(args.get("recipes", "seed003,default"));
    for (std::string r; std::getline(names, r, ',');) o.recipes.push_back(r);
    const torch::Device device = resolve_device(args.get("device", "auto"));
    const int threads = args.get_int("threads", int(std::max(1u, std::thread::hardware_concurrency())));
    if (threads < 1 || threads > 1024) throw UsageError("--threads " + args.get("threads") + ": use 1 to 1024");
    if (device.is_cpu()) torch::set_num_threads(threads);
    std::stringstream marks(args.get("marks", ""));
    for (std::string m; std::getline(marks, m, ',');) {
        char* end = nullptr;
        const double minutes = std::strtod(m.c_str(), &end);
        if (m.empty() || *end || !(minutes > 0))
            throw UsageError("--marks " + args.get("marks") + ": use minutes such as 1,2,5");
        o.marks.push_back(minutes);
    }
    o.base.data = args.get("data", "emoji");
    o.base.device = device.str();
    o.base.image_size = args.get_int("size", device.is_cuda() ? 64 : 32);
    o.base.batch_size = args.get_int("batch", o.base.batch_size);
    o.base.seed = uint64_t(args.get_int64("seed", int64_t(o.base.seed)));
    o.base.swd_images = args.get_int("swd-images", o.base.swd_images);
    auto label = [](const std::string& r) { return r == "default" ? "default (" + std::string(default_recipe()) + ")" : r; };
    if (o.recipes.size() == 1)
        std::printf(
            "bench quality: %s alone, %.1f minutes of wall-clock training, %s %dx%d batch %d on %s (%d threads)\n",
            label(o.recipes[0]).c_str(), o.minutes, o.base.data.c_str(), o.base.image_size, o.base.image_size,
            o.base.batch_size, o.base.device.c_str(), torch::get_num_threads());
    if (o.recipes.size() == 2)
        std::printf("bench quality: %s vs %s, %.1f minutes each of wall-clock training in %.0f s turns, "
                    "%s %dx%d batch %d on %s (%d threads)\n",
                    label(o.recipes[0]).c_str(), label(o.recipes[1]).c_str(), o.minutes, o.slice_seconds,
                    o.base.data.c_str(), o.base.image_size, o.base.image_size, o.base.batch_size,
                    o.base.device.c_str(), torch::get_num_threads());
    std::fflush(stdout);
    o.progress = [](const std::string& line) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    };
    QualityBenchResult r;
    try {
        r = run_quality_bench(o);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    std::printf("data: %s; real descriptors of %lld images %s %s\n", r.data_description.c_str(),
                static_cast<long long>(r.metric_images), r.reals_from_cache ? "read from" : "computed into",
                r.cache_path.c_str());
    for (const auto& arm : r.arms) {
        std::printf("%s: swd %.3f (", label(arm.recipe).c_str(), arm.quality.swd);
        for (size_t i = 0; i < arm.quality.levels.size(); ++i)
            std::printf("%sswd_%d %.3f", i ? ", " : "", arm.quality.levels[i].first, arm.quality.levels[i].second);
        std::printf("), %lld steps, %.1f ms a step (width %d, batch %d)\n", static_cast<long long>(arm.steps),
                    1000.0 * arm.trained_seconds / double(std::max<int64_t>(1, arm.steps)), arm.config.g_width,
                    arm.config.batch_size);
    }
    const auto& last = r.arms.back();
    const double step_seconds = last.trained_seconds / double(std::max<int64_t>(1, last.steps));
    std::printf("metric cost: %.2f s an evaluation = %.2f%% of training time at --swd-every %d\n", last.quality.seconds,
                100.0 * last.quality.seconds / (last.quality.seconds + step_seconds * o.base.swd_every),
                o.base.swd_every);
    // Each mark's grids side by side (left the first recipe), white between them; the end's as quality_grids.png.
    const std::string out_dir = args.get("out", "docs");
    std::filesystem::create_directories(out_dir);
    auto side_by_side = [](const std::vector<torch::Tensor>& each) {
        std::vector<torch::Tensor> grids;
        for (const auto& g : each) {
            const int columns = int(std::ceil(std::sqrt(double(g.size(0)))));
            grids.push_back(make_grid(g, columns));
            grids.push_back(torch::ones({3, grids.back().size(1), 12}));
        }
        grids.pop_back();
        return torch::cat(grids, 2);
    };
    for (size_t m = 0; m + 1 < r.arms[0].marks.size(); ++m) {
        char name[64];
        std::snprintf(name, sizeof name, "/quality_grids_%gmin.png", r.arms[0].marks[m].minutes);
        std::vector<torch::Tensor> grids;
        std::printf("at %g min:", r.arms[0].marks[m].minutes);
        for (const auto& arm : r.arms) {
            const auto& mark = arm.marks[m];
            grids.push_back(mark.grid);
            std::printf("%s %s swd %.3f (%lld steps)", grids.size() > 1 ? "," : "", label(arm.recipe).c_str(),
                        mark.quality.swd, static_cast<long long>(mark.steps));
        }
        if (r.arms.size() == 2)
            std::printf(", ratio %.3f", r.arms[1].marks[m].quality.swd / r.arms[0].marks[m].quality.swd);
        write_png(out_dir + name, tensor_to_image(side_by_side(grids)));
        std::printf("; grids %s%s\n", out_dir.c_str(), name);
    }
    if (!std::isnan(r.floor))
        std::printf("floor: swd %.3f between the metric's %lld real images and as many others\n", r.floor,
                    static_cast<long long>(r.metric_images));
    const std::string image = out_dir + "/quality_grids.png";
    std::vector<torch::Tensor> finals;
    for (const auto& arm : r.arms) finals.push_back(arm.grid);
    write_png(image, tensor_to_image(side_by_side(finals)));
    if (r.arms.size() == 2) {
        std::printf("grids: %s (left %s, right %s)\n", image.c_str(), label(r.arms[0].recipe).c_str(),
                    label(r.arms[1].recipe).c_str());
        std::printf("ratio: %.3f\n", r.ratio);
    } else {
        std::printf("grids: %s\n", image.c_str());
        std::printf("swd: %.3f\n", r.arms[0].quality.swd);
    }
    return 0;
}

}  // namespace ganscope
