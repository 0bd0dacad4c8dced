// The body of `ganscope bench quality`: two DCGAN recipes trained for the same wall-clock time on the
// same data in interleaved slices, then the quality metric of each and both final grids. The calling thread
// trains both (no Trainer thread), so slices alternate exactly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ml/config.h"
#include "ml/train/quality.h"

namespace ganscope {

struct QualityBenchOptions {
    TrainConfig base;                  // data, device, size (resolved), batch, seed, swd options
    std::vector<std::string> recipes;  // two names, the reference first: {"seed003", "default"}
    double minutes = 10;               // of training each
    double slice_seconds = 20;         // length of one interleaved turn
    std::function<void(const std::string&)> progress;  // one line per round; may be empty
};

struct QualityBenchArm {
    std::string recipe;
    TrainConfig config;
    int64_t steps = 0;
    double trained_seconds = 0;
    QualityRecord quality;
    torch::Tensor grid;  // the final sample grid, N x 3 x H x W in [-1, 1], CPU
};

struct QualityBenchResult {
    std::vector<QualityBenchArm> arms;
    std::string data_description;
    int64_t metric_images = 0;
    bool reals_from_cache = false;
    std::string cache_path;
    double ratio = 0;  // arms[1].swd / arms[0].swd
};

QualityBenchResult run_quality_bench(const QualityBenchOptions& options);

}  // namespace ganscope
