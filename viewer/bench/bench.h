// Benchmark bodies behind `ganscope bench NAME`; each prints figures and `ratio: X` as its last line.
#pragma once

#include <string>

namespace ganscope {

int bench_dcgan(int argc, char** argv);
int bench_viewer(int argc, char** argv);  // viewer.cpp: training with the window at 60 FPS vs training alone  // bench.cpp: DCGAN training images/s vs Python PyTorch
int bench_record(int argc, char** argv);  // record.cpp: training images/s with vs without a timelapse recording
int bench_pix2pix(int argc, char** argv);  // pix2pix.cpp: 256x256 inference latency, training images/s vs Python
int bench_translate(int argc, char** argv);
int bench_dist(int argc, char** argv);  // dist.cpp: 2 ranks x 1 thread vs 1 process x 2 threads (issue 14)  // translate.cpp: live translation rate and latency while drawing

// Runs `python script args...` and returns the value printed after "images_per_sec:"; throws on failure.
double run_python_reference(const std::string& script, const std::string& args);

}  // namespace ganscope
