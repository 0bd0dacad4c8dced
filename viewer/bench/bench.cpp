// `ganscope bench NAME`: speed figures side by side in one run, ratio against a reference. Main thread.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "ml/train/device.h"
#include "ml/models/dcgan.h"
#include "ml/build_paths.h"
#include "viewer/bench/bench.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace {

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
    const std::string python = reference_python();
    if (!std::filesystem::exists(python))
        throw std::runtime_error(python + ": no Python for the reference; run scripts/setup or set GANSCOPE_PYTHON");
    const std::string path = std::string(build_source_dir()) + "/scripts/" + script;
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

TrainConfig bench_training_config(const Args& args, BenchSizes cpu, BenchSizes gpu) {
    TrainConfig config;
    config.device = args.get("device", torch::cuda::is_available() ? "cuda" : "cpu");
    const BenchSizes& d = on_gpu(config) ? gpu : cpu;
    config.data = args.get("data", "emoji");
    config.image_size = args.get_int("size", d.size);
    config.batch_size = args.get_int("batch", d.batch);
    config.g_width = config.d_width = args.get_int("width", d.width);
    config.steps = 0;  // until stopped
    config.log_every = 1;
    config.checkpoint_every = config.snapshot_every = 1 << 30;
    try {
        config.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return config;
}

int bench_dcgan(const Args& args) {
    TrainConfig config;
    config.image_size = args.get_int("size", 64);
    config.batch_size = args.get_int("batch", 64);
    config.latent_dim = args.get_int("latent", 128);
    config.g_width = config.d_width = args.get_int("width", 64);
    const std::string device_name = args.get("device", torch::cuda::is_available() ? "cuda" : "cpu");
    const torch::Device device = resolve_device(device_name);  // "cuda" is cuda:0; a missing GPU is one line
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

void add_bench_command(CommandLine& cli) {
    Args& bench = cli.add(nullptr, "bench", "speed figures side by side in one run, `ratio: X` last");
    const std::string device = "where to run (default: a GPU if there is one)";

    Args& dcgan = cli.add(&bench, "dcgan", "DCGAN training images/s against a Python PyTorch loop", bench_dcgan);
    dcgan.whole("size", "S", "image size (default 64)");
    dcgan.whole("batch", "B", "batch size (default 64)");
    dcgan.whole("latent", "L", "latent size (default 128)");
    dcgan.whole("width", "W", "base width (default 64)");
    dcgan.whole("steps", "N", "timed steps per round (default 8 on a CPU, 200 on a GPU)");
    dcgan.whole("warmup", "N", "untimed steps first (default 2 on a CPU, 20 on a GPU)");
    dcgan.whole("rounds", "N", "interleaved rounds of each side (default 1)");
    dcgan.text("device", "cpu|cuda[:N]", device);

    Args& p2p = cli.add(&bench, "pix2pix", "pix2pix inference latency at 256x256 and training images/s against Python",
                        bench_pix2pix);
    p2p.whole("size", "S", "training image size (default 128 on a CPU, 256 on a GPU)");
    p2p.whole("batch", "B", "batch size (default 1)");
    p2p.whole("width", "W", "base width (default 64)");
    p2p.whole("steps", "N", "timed steps per round (default 6 on a CPU, 100 on a GPU)");
    p2p.whole("warmup", "N", "untimed steps first (default 2 on a CPU, 10 on a GPU)");
    p2p.whole("rounds", "N", "interleaved rounds of each side (default 1)");
    p2p.whole("latency-size", "S", "inference image size (default 256)");
    p2p.whole("latency-runs", "N", "timed inferences (default 5 on a CPU, 50 on a GPU)");
    p2p.text("device", "cpu|cuda[:N]", device);

    Args& rec = cli.add(&bench, "record", "training images/s while a timelapse records, against training alone",
                        bench_record);
    rec.text("data", "emoji|DIR", "training images (default emoji)");
    rec.whole("size", "S", "image size (default 32 on a CPU, 64 on a GPU)");
    rec.whole("batch", "B", "batch size (default 64)");
    rec.whole("width", "W", "base width (default 32 on a CPU, 64 on a GPU)");
    rec.whole("window", "N", "steps per timed window (default 10 on a CPU, 40 on a GPU)");
    rec.whole("pairs", "N", "alternating pairs of windows (default 6 on a CPU, 10 on a GPU)");
    rec.whole("every", "N", "steps between recorded grids (default 5 on a CPU, 10 on a GPU)");
    rec.whole("warmup", "N", "untimed steps first (default 5 on a CPU, 50 on a GPU)");
    rec.text("out", "FILE", "the recording (default: a temporary .mp4)");
    rec.text("device", "cpu|cuda[:N]", device);

    Args& tr = cli.add(&bench, "translate",
                       "the live translation rate and edit-to-result latency while drawing (unet_128 and unet_256)",
                       bench_translate);
    tr.number("seconds", "S", "drawing time per model (default 10)");
    tr.whole("hz", "N", "pen events per second (default 60)");
    tr.whole("width", "W", "base width of the models (default 64)");
    tr.whole("runs", "N", "inference runs for the latency figure (default 5)");
    tr.whole("threads", "N", "libtorch threads on a CPU (default: one per core)");
    tr.text("device", "cpu|cuda[:N]", "where to run (default cpu)");

    Args& sv = cli.add(&bench, "serve", "training images/s while clients watch over HTTP (--serve) against none",
                       bench_serve);
    sv.text("data", "emoji|DIR", "training images (default emoji)");
    sv.whole("size", "S", "image size (default 32 on a CPU, 64 on a GPU)");
    sv.whole("batch", "B", "batch size (default 64)");
    sv.whole("width", "W", "base width (default 32 on a CPU, 64 on a GPU)");
    sv.whole("clients", "N", "watching clients (default 8)");
    sv.whole("every", "N", "steps between grids (default 2 on a CPU, 10 on a GPU)");
    sv.whole("window", "N", "steps per timed window (default 10 on a CPU, 40 on a GPU)");
    sv.whole("pairs", "N", "alternating pairs of windows (default 5 on a CPU, 10 on a GPU)");
    sv.whole("warmup", "N", "untimed steps first (default 5 on a CPU, 50 on a GPU)");
    sv.number("latency-seconds", "S", "then, seconds of timing a grid's way to a watching window (default 10; 0: none)");
    sv.text("device", "cpu|cuda[:N]", device);

    Args& q = cli.add(&bench, "quality",
                      "seed 003's recipe against the default for the same wall-clock, interleaved: each one's SWD, "
                      "`ratio: X` (default over seed003; lower is better)", bench_quality);
    q.number("minutes", "M", "training time per recipe (default 10)");
    q.text("data", "emoji|DIR", "training images (default emoji)");
    q.text("recipes", "A,B",
           "the two recipes (or one, trained alone), each NAME[:key=value]... with keys width, batch, lr, lr-g, lr-d, "
           "ema, "
           "beta1, ema-stats (default seed003,default)");
    q.number("slice", "S", "seconds per turn before the other recipe trains (default 20)");
    q.text("marks", "M,M", "also measure both (and save their grids) at these minutes of training, such as 1,2,5");
    q.whole("size", "S", "image size (default 32 on a CPU, 64 on a GPU)");
    q.whole("batch", "B", "batch size");
    q.whole("seed", "N", "random seed");
    q.whole("swd-images", "N", "images per side of the metric");
    q.text("out", "DIR", "where the final grids go (default docs)");
    q.text("device", "cpu|cuda[:N]", device);
    q.whole("threads", "N", "libtorch threads on a CPU (default: one per core)");

    Args& dist = cli.add(&bench, "dist",
                         "on one global batch, 2 ranks of 1 thread (Gloo on 127.0.0.1) against 1 process of 2 "
                         "threads, alternating rounds; the allreduce time per step", bench_dist);
    dist.whole("size", "S", "image size (default 32 on a CPU, 64 on a GPU)");
    dist.whole("batch", "B", "the global batch, even (default 64)");
    dist.whole("width", "W", "base width (default 32 on a CPU, 64 on a GPU)");
    dist.whole("steps", "N", "timed steps per round (default 15 on a CPU, 200 on a GPU)");
    dist.whole("warmup", "N", "untimed steps first (default 3 on a CPU, 20 on a GPU)");
    dist.whole("rounds", "N", "interleaved rounds (default 3)");
    dist.text("device", "cpu|cuda[:N]", "where to run (default cpu)");

    Args& near =
        cli.add(&bench, "nearest",
                "a nearest-training-image query (the block-average bound, then exact distances) against a "
                "full comparison with every image in batched matrix products, `ratio: X` (search ms / full ms)",
                bench_nearest);
    near.whole("images", "N", "images in the index (default 10000)");
    near.whole("size", "S", "image size (default 64)");
    near.text("data", "synthetic|emoji|DIR", "the images (default synthetic: N noisy discs)");
    near.whole("queries", "N", "queries per round, one at a time (default 16)");
    near.whole("k", "K", "nearest images per query (default 8)");
    near.whole("rounds", "N", "interleaved rounds (default 5)");
    near.whole("threads", "N", "libtorch threads (default: one per core)");

    Args& grid = cli.add(&bench, "grid",
                         "publishing and showing a sample grid: make_grid + CPU conversion against the float upload "
                         "and the grid shader, `ratio: X` (old ms / new ms)", bench_grid);
    grid.whole("count", "N", "images in the grid (default 64)");
    grid.whole("size", "S", "image size (default 64)");
    grid.whole("view-width", "W", "the panel's view in pixels (default 600)");
    grid.whole("view-height", "H", "(default 600)");
    grid.whole("reps", "N", "publishes per round and path (default 20)");
    grid.whole("rounds", "N", "interleaved rounds (default 3)");

    Args& vw = cli.add(&bench, "viewer", "training with the window drawing at 60 FPS against training alone",
                       bench_viewer);
    vw.flag("windowed", "a real window (GLFW, needs DISPLAY) instead of headless EGL");
    vw.number("seconds", "S", "length of each timed phase (default 15)");
    vw.whole("rounds", "N", "interleaved rounds (default 2)");
    vw.text("data", "emoji|DIR", "training images (default emoji)");
    vw.text("device", "auto|cpu|cuda[:N]", "where to train (default auto)");
    vw.whole("size", "S", "image size (default: the machine's)");
    vw.whole("batch", "B", "batch size");
    vw.whole("sample-every", "N", "steps between grids (default 5: the worst case for the window)");
    vw.whole("runs", "N", "also a phase watching N compared runs that publish (a metrics line and a grid each)");
    vw.number("runs-every", "S", "with --runs: seconds between the compared runs' publishes (default 0.5)");
}

}  // namespace ganscope
