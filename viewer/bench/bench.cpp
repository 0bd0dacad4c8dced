// `ganscope bench NAME`: speed figures side by side in one run, ratio against a reference. Main thread.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "ml/dcgan.h"
#include "viewer/bench/bench.h"
#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace {

std::string python_path() {
    if (const char* p = std::getenv("GANSCOPE_PYTHON"); p && *p) return p;
    return GANSCOPE_PYTHON;
}

// Images per second of DcganTask::train_step on a fixed batch already on the device (as the reference does).
double time_dcgan(const TrainConfig& config, torch::Device device, int warmup, int steps) {
    DcganTask task(config, device);
    Batch batch;
    batch.target = torch::rand({config.batch_size, 3, config.image_size, config.image_size}, torch::TensorOptions(device)) * 2 - 1;
    for (int i = 0; i < warmup; ++i) task.train_step(batch);
    torch::Tensor last;
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) last = task.train_step(batch);
    last.cpu();  // waits for the device
    if (device.is_cuda()) torch::cuda::synchronize();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return double(config.batch_size) * steps / dt;
}

}  // namespace

double run_python_reference(const std::string& script, const std::string& args) {
    const std::string python = python_path();
    if (!std::filesystem::exists(python))
        throw std::runtime_error(python + ": no Python for the reference; run scripts/setup or set GANSCOPE_PYTHON");
    const std::string path = std::string(GANSCOPE_SOURCE_DIR) + "/scripts/" + script;
    const std::string command = "'" + python + "' '" + path + "' " + args + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string output;
    char buf[512];
    double value = -1;
    while (std::fgets(buf, sizeof buf, pipe.get())) {
        output += buf;
        std::sscanf(buf, "images_per_sec: %lf", &value);  // the script's last such line is its figure
    }
    if (value <= 0) throw std::runtime_error("the Python reference failed:\n" + output);
    return value;
}

int bench_dcgan(int argc, char** argv) {
    Args args(argc, argv, {}, {"size", "batch", "steps", "warmup", "device", "rounds", "latent", "width"});
    TrainConfig config;
    config.image_size = args.get_int("size", 64);
    config.batch_size = args.get_int("batch", 64);
    config.latent_dim = args.get_int("latent", 128);
    config.g_width = config.d_width = args.get_int("width", 64);
    const std::string device_name = args.get("device", torch::cuda::is_available() ? "cuda" : "cpu");
    const torch::Device device(device_name);
    const int steps = args.get_int("steps", device.is_cuda() ? 200 : 8);
    const int warmup = args.get_int("warmup", device.is_cuda() ? 20 : 2);
    const int rounds = args.get_int("rounds", 1);
    if (device.is_cpu()) torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));

    std::printf("bench dcgan: %dx%d, batch %d, latent %d, width %d, %s, %d steps after %d warm-up, %d round(s)\n",
                config.image_size, config.image_size, config.batch_size, config.latent_dim, config.g_width,
                device.str().c_str(), steps, warmup, rounds);
    const std::string py_args = "--size " + std::to_string(config.image_size) + " --batch " +
                                std::to_string(config.batch_size) + " --latent " + std::to_string(config.latent_dim) +
                                " --width " + std::to_string(config.g_width) + " --steps " + std::to_string(steps) +
                                " --warmup " + std::to_string(warmup) + " --device " + device.str();
    double best_cpp = 0, best_py = 0;
    // Alternate the two so drift in machine load hits both alike; keep each side's best round.
    for (int r = 0; r < rounds; ++r) {
        const double py = run_python_reference("bench_dcgan_ref.py", py_args);
        const double cpp = time_dcgan(config, device, warmup, steps);
        std::printf("round %d: ganscope %.2f img/s, python %.2f img/s\n", r + 1, cpp, py);
        std::fflush(stdout);
        best_cpp = std::max(best_cpp, cpp);
        best_py = std::max(best_py, py);
    }
    std::printf("ganscope: %.2f img/s\npython:   %.2f img/s\nratio: %.3f\n", best_cpp, best_py, best_cpp / best_py);
    return 0;
}

int run_bench(int argc, char** argv) {
    if (argc < 2) throw UsageError("bench needs a name: ganscope bench dcgan");
    const std::string name = argv[1];
    if (name == "dcgan") return bench_dcgan(argc - 1, argv + 1);
    if (name == "record") return bench_record(argc - 1, argv + 1);
    if (name == "pix2pix") return bench_pix2pix(argc - 1, argv + 1);
    if (name == "viewer") return bench_viewer(argc - 1, argv + 1);
    if (name == "translate") return bench_translate(argc - 1, argv + 1);
    if (name == "dist") return bench_dist(argc - 1, argv + 1);
    throw UsageError("bench " + name + ": unknown benchmark (dcgan, dist, pix2pix, record, translate, viewer)");
}

}  // namespace ganscope
