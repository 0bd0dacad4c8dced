// `ganscope nearest --checkpoint F [--latents N] [--k K] --out DIR`: each sample of a checkpoint's generator beside
// its nearest training images (ml/metrics/nearest.h), their names and distances in nearest.json, and the run's
// copying score; `copying: X` is the last line. Main thread.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "ml/data/tensor_image.h"
#include "ml/metrics/nearest.h"
#include "ml/models/dcgan.h"
#include "ml/models/task_factory.h"
#include "ml/run/checkpoint.h"
#include "ml/train/device.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace {

constexpr uint64_t kExtraLatentSeed = 0x4e4e;  // latents beyond the grid's own

// The grid's fixed latents, the first `count` of them; more than the grid has are drawn after them.
torch::Tensor sample_latents(const GanTask& task, const TrainConfig& config, int64_t count) {
    torch::Tensor fixed = task.fixed_latents().cpu();
    if (count <= 0 || count == fixed.size(0)) return fixed;
    if (count < fixed.size(0)) return fixed.slice(0, 0, count);
    const torch::Tensor extra =
        make_fixed_latents(int(count - fixed.size(0)), config.latent_dim, config.seed + kExtraLatentSeed);
    return torch::cat({fixed, extra.cpu()});
}

int nearest(const Args& args) {
    torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
    const std::string path = args.get("checkpoint"), out = args.get("out");
    const int k = args.get_int("k", 8);
    const int64_t count = args.get_int64("latents", 0);
    if (k < 1 || k > 64) throw UsageError("--k " + std::to_string(k) + ": give 1 to 64 nearest images");
    if (count < 0 || count > 4096) throw UsageError("--latents " + std::to_string(count) + ": give 1 to 4096 samples");

    const CheckpointMeta meta = read_checkpoint_meta(path);
    TrainConfig config = meta.config;
    if (args.has("data")) config.data = args.get("data");
    const torch::Device device = resolve_device(args.get("device", "auto"));
    std::unique_ptr<GanTask> task = make_task(config, device);
    if (!task->fixed_latents().defined())
        throw UsageError(path + ": a " + config.model +
                         " run translates images; nearest looks up samples of a generator of latents (a DCGAN run)");
    load_checkpoint(path, *task);

    const auto t0 = std::chrono::steady_clock::now();
    const std::shared_ptr<ImageSource> source = make_source(config);
    const NearestIndex index = NearestIndex::build(*source, config.image_size, config.background);
    const auto t1 = std::chrono::steady_clock::now();

    torch::NoGradGuard no_grad;
    const torch::Tensor latents = sample_latents(*task, config, count);
    std::vector<torch::Tensor> drawn;
    for (int64_t b = 0; b < latents.size(0); b += 64)
        drawn.push_back(task->generate(latents.slice(0, b, std::min(latents.size(0), b + 64)).to(device)).cpu());
    const torch::Tensor samples = torch::cat(drawn);
    const auto matches = index.query(samples, k);
    const auto t2 = std::chrono::steady_clock::now();
    const double typical = index.typical_distance();
    std::vector<double> nearest_distances;
    for (const auto& m : matches) nearest_distances.push_back(m.front().distance);
    const double copying = copying_score(nearest_distances, typical);

    std::filesystem::create_directories(out);
    nlohmann::json samples_json = nlohmann::json::array();
    size_t closest = 0;
    for (size_t i = 0; i < matches.size(); ++i) {
        // One row: the sample, then its nearest training images, nearest first.
        std::vector<torch::Tensor> row{samples[int64_t(i)].clamp(-1, 1)};
        nlohmann::json neighbours = nlohmann::json::array();
        for (const NearestMatch& m : matches[i]) {
            row.push_back(index.image(m.index));
            neighbours.push_back({{"name", index.name(m.index)}, {"distance", m.distance}});
        }
        char file[32];
        std::snprintf(file, sizeof file, "sample_%03zu.png", i);
        write_png(out + "/" + file, tensor_to_image(make_grid(torch::stack(row), int(row.size()), 2, 1.0f)));
        samples_json.push_back({{"file", file}, {"latent", i}, {"neighbours", neighbours}});
        if (nearest_distances[i] < nearest_distances[closest]) closest = i;
    }
    const nlohmann::json report = {
        {"checkpoint", path},
        {"step", meta.step},
        {"distance", "RMS difference in 8-bit levels at the training size"},
        {"image_size", index.image_size()},
        {"real_images", index.size()},
        {"typical_distance", std::isfinite(typical) ? nlohmann::json(typical) : nlohmann::json()},
        {"copying_score", std::isfinite(copying) ? nlohmann::json(copying) : nlohmann::json()},
        {"samples", samples_json}};
    std::ofstream(out + "/nearest.json") << report.dump(2) << "\n";

    auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf("nearest: %lld samples of %s (step %lld) against %lld training images of %s, %dx%d\n",
                static_cast<long long>(samples.size(0)), path.c_str(), static_cast<long long>(meta.step),
                static_cast<long long>(index.size()), source->description().c_str(), index.image_size(),
                index.image_size());
    std::printf("index %s %s in %.2f s; %d nearest of each sample in %.3f s\n",
                index.from_cache() ? "read from" : "built and cached in", index.cache_path().c_str(), seconds(t0, t1),
                k, seconds(t1, t2));
    std::printf("written: %s/sample_000.png .. sample_%03lld.png (sample, then its nearest) and %s/nearest.json\n",
                out.c_str(), static_cast<long long>(samples.size(0) - 1), out.c_str());
    std::printf("closest sample: sample_%03zu.png, %.2f levels from %s\n", closest, nearest_distances[closest],
                index.name(matches[closest].front().index).c_str());
    std::printf("typical distance between training images: %.2f levels (the median of each one's nearest other)\n",
                typical);
    std::printf("copying: %.3f\n", copying);
    return 0;
}

}  // namespace

void add_nearest_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "nearest",
                         "each sample of a checkpoint's generator beside its nearest training images (RMS pixel "
                         "distance at the training size), and the copying score: the share of samples closer to a "
                         "training image than training images are to each other (`copying: X` last)",
                         nearest);
    args.text("checkpoint", "FILE", "a DCGAN run's checkpoint.pt")->required();
    args.text("out", "DIR", "where sample_NNN.png rows and nearest.json go")->required();
    args.whole("latents", "N",
               "samples: the first N of the grid's fixed latents, more drawn after them (default: the grid)");
    args.whole("k", "K", "nearest training images per sample (default 8)");
    args.text("data", "DIR", "the training images, when they moved since the run (default: the run's own)");
    args.text("device", "auto|cpu|cuda[:N]", "where the generator draws (default auto)");
}

}  // namespace ganscope
