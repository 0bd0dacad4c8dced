// `ganscope bench viewer`: training throughput with the window drawing at 60 FPS (explorer scrubbing, grid
// refreshed as published) against training alone, alternating in one run; frame-time statistics. Main thread.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "viewer/app.h"
#include "viewer/bench.h"
#include "viewer/cli.h"

namespace ganscope {
namespace {

using Clock = std::chrono::steady_clock;

int64_t trainer_step(App& app) {
    auto s = app.trainer()->status().latest();
    return s ? s->step : 0;
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * double(v.size() - 1) + 0.5))];
}

}  // namespace

int bench_viewer(int argc, char** argv) {
    Args args(argc, argv, {"windowed"}, {"seconds", "rounds", "size", "batch", "data", "device", "sample-every"});
    const double seconds = args.get_double("seconds", 15);
    const int rounds = args.get_int("rounds", 2);
    AppOptions options;
    options.headless = !args.has("windowed");
    options.vsync = false;  // pacing is ours: 60 FPS
    TrainConfig& c = options.trainer.config;
    c.data = args.get("data", "emoji");
    c.device = args.get("device", "auto");
    c.image_size = args.get_int("size", 0);
    c.batch_size = args.get_int("batch", c.batch_size);
    c.sample_every = args.get_int("sample-every", 5);  // refresh the grid often: the worst case for the window
    c.snapshot_every = c.sample_every;
    options.trainer.run_dir.clear();                   // write nothing
    App app(std::move(options));

    // Warm up: draw until training runs and the first grid is on screen.
    const auto frame_period = std::chrono::microseconds(16667);
    std::vector<double> frame_ms;
    auto paced_frame = [&](bool record) {
        const auto t0 = Clock::now();
        app.frame();
        if (record) frame_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        std::this_thread::sleep_until(t0 + frame_period);
    };
    const auto warm_start = Clock::now();
    while (trainer_step(app) < 3) {
        paced_frame(false);
        auto s = app.trainer()->status().latest();
        if (s && s->state == TrainerState::Failed) throw std::runtime_error("training failed: " + s->error);
        if (Clock::now() - warm_start > std::chrono::minutes(5)) throw std::runtime_error("training did not start");
    }
    const auto status = app.trainer()->status().latest();
    std::printf("bench viewer: %s %dx%d batch %d on %s, %s, %.0f s per phase, %d round(s)\n",
                status->config.model.c_str(), status->config.image_size, status->config.image_size,
                status->batch_size, status->device.c_str(), (app.context().info().renderer + ", " + app.context().info().platform).c_str(), seconds, rounds);

    // One phase: from a step boundary to a step boundary, so the rate has no quantisation error.
    auto phase = [&](bool window) {
        float t = 0;
        auto idle = [&] {
            if (window) {
                app.model().explorer.pad[0] = std::sin(t += 0.05f);  // a user scrubbing the explorer's pad
                app.model().explorer.revision++;
                paced_frame(true);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        };
        const int64_t s_before = trainer_step(app);
        while (trainer_step(app) == s_before) idle();
        const int64_t s0 = trainer_step(app);
        const auto t0 = Clock::now();
        while (Clock::now() - t0 < std::chrono::duration<double>(seconds)) idle();
        const int64_t s_end = trainer_step(app);
        while (trainer_step(app) == s_end) idle();
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        return double(trainer_step(app) - s0) * status->batch_size / dt;
    };
    double alone = 0, with_window = 0;
    for (int r = 0; r < rounds; ++r) {
        const double a = phase(false), w = phase(true);
        std::printf("round %d: training alone %.2f img/s, with the window %.2f img/s\n", r + 1, a, w);
        std::fflush(stdout);
        alone += a / rounds;
        with_window += w / rounds;
    }
    std::printf("frames: %zu, median %.2f ms, p95 %.2f ms, max %.2f ms\n", frame_ms.size(), percentile(frame_ms, 0.5),
                percentile(frame_ms, 0.95), percentile(frame_ms, 1.0));
    std::printf("training alone:       %.2f img/s\nwith the window open: %.2f img/s\nratio: %.3f\n", alone, with_window,
                with_window / alone);
    return 0;
}

}  // namespace ganscope
