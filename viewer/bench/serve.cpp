// `ganscope bench serve`: training images/s while 8 clients watch over HTTP (the event stream, and the grid PNG at
// every publish) against none, in alternating step windows of one run; `ratio: X` (median of the pairs) last.
// Also the bytes a watcher receives per minute, and then, with the 8 watching, the time from a grid's publish in
// the trainer to its arrival in a watching window's source (`ganscope watch`'s RemoteSource, polling at its
// default rate; the window shows it at its next frame). Main thread; the clients on their own threads.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "ml/train/trainer.h"
#include "viewer/bench/bench.h"
#include "viewer/sources/remote_source.h"
#include "viewer/serve/run_server.h"

namespace ganscope {

int bench_serve(const Args& args) {
    TrainConfig config = bench_training_config(args, {32, 64, 32}, {64, 64, 64});
    const std::string& device = config.device;
    const bool gpu = on_gpu(config);
    config.sample_every = args.get_int("every", gpu ? 10 : 2);
    const int clients = args.get_int("clients", 8);
    const int window = args.get_int("window", gpu ? 40 : 10);
    const int pairs = args.get_int("pairs", gpu ? 10 : 5);
    const int64_t warmup = args.get_int64("warmup", gpu ? 50 : 5);
    if (clients < 1 || clients > 32 || window < 2 || pairs < 1)
        throw UsageError("bench serve: --clients 1 to 32, --window at least 2, --pairs at least 1");
    try {
        config.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    std::printf("bench serve: dcgan %dx%d, batch %d, width %d, %s, a grid every %d steps; %d-step windows alternating "
                "no clients and %d clients (event stream + grid.png at every publish), %d pairs after %lld warm-up "
                "steps\n",
                config.image_size, config.image_size, config.batch_size, config.g_width, device.c_str(),
                config.sample_every, window, clients, pairs, static_cast<long long>(warmup));
    std::fflush(stdout);

    TrainerOptions options;
    options.config = config;
    Trainer trainer(options);
    auto source = make_trainer_source(trainer, "");
    ServeOptions so;
    so.port = 0;
    RunServer server(*source, so);

    std::atomic<bool> watching{false}, quit{false};
    std::atomic<uint64_t> bytes{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i)
        threads.emplace_back([&] {
            httplib::Client events("127.0.0.1", server.port()), grids("127.0.0.1", server.port());
            while (!quit) {
                if (!watching) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    continue;
                }
                events.Get("/api/events", [&](const char* data, size_t n) {
                    bytes += n;
                    if (std::string(data, n).find("event: grid") != std::string::npos)
                        if (auto r = grids.Get("/api/grid.png")) bytes += r->body.size();
                    return watching && !quit;
                });
            }
        });

    std::vector<int64_t> bounds;
    uint64_t seen = 0;
    std::shared_ptr<const TrainerStatus> status;
    int64_t next = warmup;
    const int64_t total = 2 * int64_t(pairs);
    auto watch_start = std::chrono::steady_clock::now();
    double watch_time = 0;
    while (int64_t(bounds.size()) <= total) {
        if (trainer.wait(std::chrono::milliseconds(2))) break;
        if (!trainer.status().fetch_if_newer(seen, status) || !status) continue;
        if (!status->error.empty()) throw std::runtime_error("training failed: " + status->error);
        if (status->step < next) continue;
        if (watching) watch_time += std::chrono::duration<double>(std::chrono::steady_clock::now() - watch_start).count();
        bounds.push_back(status->step);
        watching = bounds.size() % 2 == 0 && int64_t(bounds.size()) <= total;  // odd windows are watched
        if (watching) watch_start = std::chrono::steady_clock::now();
        next = status->step + window;
    }
    const uint64_t window_bytes = bytes.load();  // what the watched windows received
    // Publish to a watching window: the trainer's grid slot and a RemoteSource's, both polled every millisecond.
    const double latency_seconds = args.get_double("latency-seconds", 10);
    std::vector<double> latencies;
    if (int64_t(bounds.size()) > total && latency_seconds > 0) {
        watching = true;
        auto remote = make_remote_source(server.url(), "");
        std::map<int64_t, std::chrono::steady_clock::time_point> published;
        uint64_t seen_here = 0, seen_there = 0;
        std::shared_ptr<const SampleGrid> grid;
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(latency_seconds);
        while (std::chrono::steady_clock::now() < until) {
            const auto now = std::chrono::steady_clock::now();
            if (trainer.samples().fetch_if_newer(seen_here, grid) && grid) published.emplace(grid->step, now);
            if (remote->samples().fetch_if_newer(seen_there, grid) && grid)
                if (auto it = published.find(grid->step); it != published.end())
                    latencies.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        remote->close();
    }
    watching = false;
    quit = true;
    for (auto& t : threads) t.join();
    trainer.stop();
    trainer.wait();
    if (int64_t(bounds.size()) <= total) throw std::runtime_error("training ended before the windows were done");

    const auto history = trainer.history();
    auto seconds_at = [&](int64_t step) {
        auto it = std::lower_bound(history.begin(), history.end(), step,
                                   [](const StepMetrics& m, int64_t s) { return m.step < s; });
        if (it == history.end() || it->step != step) throw std::runtime_error("no metrics at step " + std::to_string(step));
        return it->seconds;
    };
    std::vector<double> ratios;
    for (int64_t k = 0; k + 1 < total; k += 2) {
        const double plain = double(bounds[size_t(k + 1)] - bounds[size_t(k)]) /
                             (seconds_at(bounds[size_t(k + 1)]) - seconds_at(bounds[size_t(k)]));
        const double watched = double(bounds[size_t(k + 2)] - bounds[size_t(k + 1)]) /
                               (seconds_at(bounds[size_t(k + 2)]) - seconds_at(bounds[size_t(k + 1)]));
        ratios.push_back(watched / plain);
        std::printf("pair %lld: %.1f img/s alone, %.1f img/s watched by %d\n", static_cast<long long>(k / 2 + 1),
                    plain * config.batch_size, watched * config.batch_size, clients);
    }
    std::sort(ratios.begin(), ratios.end());
    const double median = ratios.size() % 2 ? ratios[ratios.size() / 2]
                                            : 0.5 * (ratios[ratios.size() / 2 - 1] + ratios[ratios.size() / 2]);
    std::printf("a watcher received %.0f kB per minute (events and grids)\n",
                watch_time > 0 ? double(window_bytes) / clients / watch_time * 60.0 / 1024.0 : 0.0);
    if (!latencies.empty()) {
        std::sort(latencies.begin(), latencies.end());
        std::printf("publish to a watching window (poll every 0.25 s): median %.0f ms, p90 %.0f ms, max %.0f ms over %zu "
                    "grids (it skips the grids published between two polls: latest wins)\n",
                    latencies[latencies.size() / 2], latencies[latencies.size() * 9 / 10], latencies.back(),
                    latencies.size());
    }
    std::printf("ratio: %.3f\n", median);
    return 0;
}

}  // namespace ganscope
