// Benchmark bodies behind `ganscope bench NAME`; each prints figures and `ratio: X` as its last line.
#pragma once

#include <string>

#include "ml/config.h"
#include "viewer/commands/cli.h"

namespace ganscope {

// Each runs with the options its declaration in bench.cpp gives it.
int bench_dcgan(const Args& args);      // bench.cpp: DCGAN training images/s vs Python PyTorch
int bench_viewer(const Args& args);     // viewer.cpp: training with the window at 60 FPS vs training alone
int bench_record(const Args& args);     // record.cpp: training images/s with vs without a timelapse recording
int bench_pix2pix(const Args& args);    // pix2pix.cpp: 256x256 inference latency, training images/s vs Python
int bench_translate(const Args& args);  // translate.cpp: live translation rate and latency while drawing
int bench_serve(const Args& args);      // serve.cpp: training images/s with 8 HTTP watchers vs none
int bench_dist(const Args& args);       // dist.cpp: 2 ranks x 1 thread vs 1 process x 2 threads
int bench_quality(const Args& args);
int bench_nearest(const Args& args);    // nearest.cpp: a nearest-image query vs a full comparison
int bench_grid(const Args& args);       // grid.cpp: publish + show a 64-image grid, make_grid path vs the shaders    // quality.cpp: seed 003's recipe vs the default, SWD after M minutes each

// The DCGAN run a training benchmark times: --device (default cuda when there is a GPU), --data (default emoji),
// --size, --batch and --width with the benchmark's defaults for a CPU and for a GPU, training until stopped, and
// checked as the command line checks a run (TrainConfig::validate, as UsageError).
struct BenchSizes {
    int size, batch, width;
};
TrainConfig bench_training_config(const Args& args, BenchSizes cpu, BenchSizes gpu);
inline bool on_gpu(const TrainConfig& config) { return config.device.rfind("cuda", 0) == 0; }

// Runs `python script args...` and returns the value printed after "images_per_sec:"; throws on failure.
double run_python_reference(const std::string& script, const std::string& args);

}  // namespace ganscope
