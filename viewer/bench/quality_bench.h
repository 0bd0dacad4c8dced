// The body of `ganscope bench quality`: two DCGAN recipes trained for the same wall-clock time on the
// same data in interleaved slices, then the quality metric of each and both final grids. The calling thread
// trains both (no Trainer thread), so slices alternate exactly.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ml/config.h"
#include "ml/train/quality.h"

namespace ganscope {

struct QualityBenchOptions {
    TrainConfig base;  // data, device, size (0: for the device), batch, seed, swd options
    // Two recipes, the reference first ({"seed003", "default"}), or one trained alone (a reference figure).
    std::vector<std::string> recipes;
    double minutes = 10;               // of training each
    double slice_seconds = 20;         // length of one interleaved turn
    std::vector<double> marks;         // minutes of training at which each arm is also measured (below `minutes`)
    bool floor = true;                 // also the metric's floor: real images against other real images
    std::function<void(const std::string&)> progress;  // one line per round; may be empty
};

// One arm measured at a moment of its training: the metric and the grid then.
struct QualityBenchMark {
    double minutes = 0;  // of training, as asked (the arm stops at the first step boundary after it)
    int64_t steps = 0;
    QualityRecord quality;
    torch::Tensor grid;  // N x 3 x H x W in [-1, 1], CPU
};

struct QualityBenchArm {
    std::string recipe;
    TrainConfig config;
    int64_t steps = 0;
    double trained_seconds = 0;
    QualityRecord quality;
    torch::Tensor grid;  // the final sample grid, N x 3 x H x W in [-1, 1], CPU
    std::vector<QualityBenchMark> marks;  // at options.marks, then at the end
};

struct QualityBenchResult {
    std::vector<QualityBenchArm> arms;
    std::string data_description;
    int64_t metric_images = 0;
    bool reals_from_cache = false;
    std::string cache_path;
    double ratio = std::numeric_limits<double>::quiet_NaN();  // arms[1].swd / arms[0].swd (two arms)
    double floor = std::numeric_limits<double>::quiet_NaN();  // the metric between real images (options.floor)
};

QualityBenchResult run_quality_bench(const QualityBenchOptions& options);

}  // namespace ganscope
