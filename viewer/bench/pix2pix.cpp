// `ganscope bench pix2pix`: 256x256 single-image inference latency and training images/s against the eager
// Python PyTorch reference (scripts/bench_pix2pix_ref.py), run side by side. Main thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "ml/train/device.h"
#include "ml/models/pix2pix.h"
#include "ml/build_paths.h"
#include "viewer/bench/bench.h"

namespace ganscope {
namespace {

void sync(torch::Device device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Median milliseconds of one eval-mode forward of a 1 x 3 x size x size image (as the panel and translate do).
double latency_ms(int size, int width, torch::Device device, int warmup, int runs) {
    UnetOptions o;
    o.num_downs = unet_num_downs("", size);
    o.ngf = width;
    UnetGenerator g(o);
    pix2pix_init_weights(*g);
    g->to(device);
    set_inference_mode(g, NormMode::Eval);
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::rand({1, 3, size, size}, torch::TensorOptions(device)) * 2 - 1;
    std::vector<double> times;
    for (int i = 0; i < warmup + runs; ++i) {
        sync(device);
        const double t0 = now_s();
        g->forward(x);
        sync(device);
        if (i >= warmup) times.push_back(1000 * (now_s() - t0));
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    return times[times.size() / 2];
}

// Images per second of Pix2PixTask::train_step on a fixed batch already on the device (as the reference).
double train_rate(const TrainConfig& config, torch::Device device, int warmup, int steps) {
    Pix2PixTask task(config, device);
    const auto opts = torch::TensorOptions(device);
    Batch batch{torch::rand({config.batch_size, 3, config.image_size, config.image_size}, opts) * 2 - 1,
                torch::rand({config.batch_size, 3, config.image_size, config.image_size}, opts) * 2 - 1};
    for (int i = 0; i < warmup; ++i) task.train_step(batch);
    sync(device);
    const double t0 = now_s();
    torch::Tensor last;
    for (int i = 0; i < steps; ++i) last = task.train_step(batch);
    last.cpu();
    sync(device);
    return double(config.batch_size) * steps / (now_s() - t0);
}

// Runs the reference script and returns the number printed after `key`; throws with its output otherwise.
double python_figure(const std::string& args, const char* key) {
    const std::string python = reference_python();
    if (!std::filesystem::exists(python))
        throw std::runtime_error(python + ": no Python for the reference; run scripts/setup or set GANSCOPE_PYTHON");
    const std::string command =
        "'" + python + "' '" + std::string(build_source_dir()) + "/scripts/bench_pix2pix_ref.py' " + args + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string output;
    char buf[512];
    double value = -1;
    const std::string format = std::string(key) + " %lf";
    while (std::fgets(buf, sizeof buf, pipe.get())) {
        output += buf;
        std::sscanf(buf, format.c_str(), &value);
    }
    if (value <= 0) throw std::runtime_error("the Python reference failed:\n" + output);
    return value;
}

}  // namespace

int bench_pix2pix(const Args& args) {
    const std::string device_name = args.get("device", torch::cuda::is_available() ? "cuda" : "cpu");
    const torch::Device device = resolve_device(device_name);  // "cuda" is cuda:0; a missing GPU is one line
    if (device.is_cpu()) torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
    TrainConfig config;
    config.model = "pix2pix";
    // The paper's 256 x 256, batch 1 on a GPU; the CPU default trains unet_128 at 128 x 128.
    config.image_size = args.get_int("size", device.is_cuda() ? 256 : 128);
    config.batch_size = args.get_int("batch", 1);
    config.g_width = config.d_width = args.get_int("width", 64);
    const int steps = args.get_int("steps", device.is_cuda() ? 100 : 6);
    const int warmup = args.get_int("warmup", device.is_cuda() ? 10 : 2);
    const int rounds = args.get_int("rounds", 1);
    const int lat_size = args.get_int("latency-size", 256);
    const int lat_runs = args.get_int("latency-runs", device.is_cuda() ? 50 : 5);
    unet_num_downs("", config.image_size);  // validates the size

    std::printf("bench pix2pix: %s; inference unet_%d 1x3x%dx%d, %d runs; training unet_%d %dx%d, batch %d, width %d, "
                "%d steps after %d warm-up, %d round(s)\n",
                device.str().c_str(), lat_size, lat_size, lat_size, lat_runs, config.image_size, config.image_size,
                config.image_size, config.batch_size, config.g_width, steps, warmup, rounds);
    const std::string common = " --width " + std::to_string(config.g_width) + " --device " + device.str();
    const double lat_py = python_figure("--latency --size " + std::to_string(lat_size) + " --steps " +
                                            std::to_string(lat_runs) + " --warmup 2" + common, "latency_ms:");
    const double lat_cpp = latency_ms(lat_size, config.g_width, device, 2, lat_runs);
    std::printf("inference %dx%d: ganscope %.2f ms, python %.2f ms (median)\n", lat_size, lat_size, lat_cpp, lat_py);
    std::fflush(stdout);

    const std::string train_args = "--size " + std::to_string(config.image_size) + " --batch " + std::to_string(config.batch_size) +
                                   " --steps " + std::to_string(steps) + " --warmup " + std::to_string(warmup) + common;
    double best_cpp = 0, best_py = 0;
    // Alternate the two so drift in machine load hits both alike; keep each side's best round.
    for (int r = 0; r < rounds; ++r) {
        const double py = python_figure(train_args, "images_per_sec:");
        const double cpp = train_rate(config, device, warmup, steps);
        std::printf("round %d: ganscope %.2f img/s, python %.2f img/s\n", r + 1, cpp, py);
        std::fflush(stdout);
        best_cpp = std::max(best_cpp, cpp);
        best_py = std::max(best_py, py);
    }
    std::printf("training ganscope: %.2f img/s\ntraining python:   %.2f img/s\nratio: %.3f\n", best_cpp, best_py, best_cpp / best_py);
    return 0;
}

}  // namespace ganscope
