// `ganscope bench viewer`: training throughput with the window drawing at 60 FPS against training alone,
// alternating in one run: watching (no input), watching with every frame drawn whole, and scrubbing the
// explorer every frame; the grid is refreshed as published. With --runs N, also watching while N compared run
// folders publish (the Compare panel in front). Frame-time statistics. Main thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ml/data/image.h"
#include "ml/data/tensor_image.h"
#include "viewer/window/app.h"
#include "viewer/bench/bench.h"

namespace ganscope {
namespace {

using Clock = std::chrono::steady_clock;

int64_t trainer_step(App& app) {
    auto s = app.source().status().latest();
    return s ? s->step : 0;
}

// N run folders written as a training process writes them, while active: every `period` seconds each gets a
// metrics line and a new samples/step_N.png (to a temporary name, then renamed) of the window's own run's size, so
// the window follows, decodes and uploads what it would for N runs training elsewhere. Its own thread.
class PublishingRuns {
public:
    PublishingRuns(int count, const TrainConfig& like, double period, const std::string& dir)
        : m_config(like), m_period(period) {
        namespace fs = std::filesystem;
        fs::remove_all(dir);
        for (int i = 0; i < count; ++i) {
            const std::string run = dir + "/run" + std::to_string(i);
            fs::create_directories(run + "/samples");
            m_config.seed = uint64_t(i + 1);
            std::ofstream(run + "/config.json") << m_config.to_json().dump(2);
            m_dirs.push_back(run);
        }
        publish(0);  // a first grid each, so the runs are known before the phases
        m_thread = std::thread([this] { loop(); });
    }
    ~PublishingRuns() {
        m_stop = true;
        m_thread.join();
        std::error_code ec;
        for (const std::string& run : m_dirs) std::filesystem::remove_all(run, ec);
    }
    const std::vector<std::string>& folders() const { return m_dirs; }
    void set_active(bool on) { m_active = on; }
    int64_t published() const { return m_published; }

private:
    void loop() {
        int64_t step = 0;
        while (!m_stop) {
            const auto t0 = Clock::now();
            if (m_active) publish(step += 5);
            std::this_thread::sleep_until(t0 + std::chrono::duration<double>(m_period));
        }
    }
    void publish(int64_t step) {
        const int size = m_config.image_size > 0 ? m_config.image_size : 32;
        char name[32];
        std::snprintf(name, sizeof name, "step_%08lld.png", (long long)step);
        for (const std::string& run : m_dirs) {
            const torch::Tensor images = torch::rand({m_config.grid_count, 3, size, size}) * 2 - 1;
            const int columns = int(std::ceil(std::sqrt(double(m_config.grid_count))));
            const std::string path = run + "/samples/" + name;
            write_png(path + ".tmp", tensor_to_image(make_grid(images, columns)));
            std::filesystem::rename(path + ".tmp", path);
            StepMetrics m;
            m.step = step;
            m.loss_g = 1 + std::sin(double(step) * 0.01);
            m.loss_d = 1 - 0.5 * std::sin(double(step) * 0.01);
            m.images_per_sec = 100;
            m.seconds = double(step) * 0.1;
            std::ofstream(run + "/metrics.jsonl", std::ios::app) << m.to_json().dump() << "\n";
        }
        ++m_published;
    }

    TrainConfig m_config;
    double m_period;
    std::vector<std::string> m_dirs;
    std::atomic<bool> m_stop{false}, m_active{false};
    std::atomic<int64_t> m_published{0};
    std::thread m_thread;
};

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * double(v.size() - 1) + 0.5))];
}

}  // namespace

int bench_viewer(const Args& args) {
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
        auto s = app.source().status().latest();
        if (s && s->state == TrainerState::Failed) throw std::runtime_error("training failed: " + s->error);
        if (Clock::now() - warm_start > std::chrono::minutes(5)) throw std::runtime_error("training did not start");
    }
    const auto status = app.source().status().latest();
    // --runs N: N compared runs publishing beside the window's own (the Compare panel in front, its grids shown).
    const int runs = args.get_int("runs", 0);
    std::unique_ptr<PublishingRuns> publishing;
    if (runs > 0) {
        publishing = std::make_unique<PublishingRuns>(
            runs, status->config, args.get_double("runs-every", 0.5),
            (std::filesystem::temp_directory_path() / "ganscope-bench-viewer-runs").string());
        for (const std::string& dir : publishing->folders()) {
            const std::string problem = app.compare().add(dir);
            if (!problem.empty()) throw std::runtime_error(problem);
        }
        app.compare().model().tab = 0;
        const auto shown_start = Clock::now();
        while (!app.compare().grids_ready() && Clock::now() - shown_start < std::chrono::seconds(60))
            paced_frame(false);
    }
    std::printf("bench viewer: %s %dx%d batch %d on %s, %s, %.0f s per phase, %d round(s)\n",
                status->config.model.c_str(), status->config.image_size, status->config.image_size,
                status->batch_size, status->device.c_str(), (app.context().info().renderer + ", " + app.context().info().platform).c_str(), seconds, rounds);

    // One phase: from a step boundary to a step boundary, so the rate has no quantisation error. Phases:
    // training alone (no frames), the window open as people watch it (60 FPS, no input), the same with every
    // frame drawn whole (what damage tracking saves), and a user scrubbing the explorer's pad every frame.
    enum class Phase { Alone, Watching, WatchingFullRedraw, Scrubbing, WatchingRuns };
    struct PhaseResult {
        double images_per_second = 0;
        std::vector<double> busy_ms;
        double drawn = 0;
        int64_t frames = 0;
        // GL-thread time taking in each publish: of the window's own run, and of each compared run.
        std::vector<double> own_publish_ms, runs_publish_ms;
    };
    auto phase = [&](Phase kind) {
        PhaseResult result;
        float t = 0;
        app.set_damage_tracking(kind != Phase::WatchingFullRedraw);
        if (publishing) publishing->set_active(kind == Phase::WatchingRuns);
        auto idle = [&] {
            if (kind == Phase::Alone) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                return;
            }
            if (kind == Phase::Scrubbing) {
                app.explorer().model().pad[0] = std::sin(t += 0.05f);
                app.explorer().model().revision++;
            }
            const auto t0 = Clock::now();
            app.frame();
            const auto t1 = Clock::now();
            frame_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            result.busy_ms.push_back(frame_ms.back());
            std::this_thread::sleep_until(t0 + frame_period);
        };
        const int64_t s_before = trainer_step(app);
        while (trainer_step(app) == s_before) idle();
        const int64_t s0 = trainer_step(app);
        const auto t0 = Clock::now();
        result.busy_ms.clear();
        const double drawn0 = app.frame_stats().drawn_fraction_all();
        const size_t frames0 = app.frame_stats().summary().frames;
        const size_t own0 = app.own_publish_ms().size(), runs0 = app.compare().publish_ms().size();
        while (Clock::now() - t0 < std::chrono::duration<double>(seconds)) idle();
        const auto since = [](const std::vector<double>& all, size_t from) {
            return std::vector<double>(all.begin() + std::ptrdiff_t(std::min(from, all.size())), all.end());
        };
        result.own_publish_ms = since(app.own_publish_ms(), own0);
        result.runs_publish_ms = since(app.compare().publish_ms(), runs0);
        const int64_t s_end = trainer_step(app);
        while (trainer_step(app) == s_end) idle();
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        result.images_per_second = double(trainer_step(app) - s0) * status->batch_size / dt;
        // The mean drawn share over this phase's frames, from the running mean over all frames.
        const size_t frames1 = app.frame_stats().summary().frames;
        result.frames = int64_t(frames1 - frames0);
        if (result.frames > 0)
            result.drawn = (app.frame_stats().drawn_fraction_all() * double(frames1) - drawn0 * double(frames0)) /
                           double(result.frames);
        app.set_damage_tracking(true);
        if (publishing) publishing->set_active(false);
        return result;
    };
    const std::string runs_name = "watching " + std::to_string(runs) + " runs";
    const char* names[] = {"training alone", "watching", "watching, full redraw", "scrubbing", runs_name.c_str()};
    double rate[5] = {0, 0, 0, 0, 0};
    std::vector<double> busy[5], own_publish[5], runs_publish[5];
    double drawn[5] = {0, 0, 0, 0, 0};
    std::vector<Phase> kinds = {Phase::Alone, Phase::Watching, Phase::WatchingFullRedraw, Phase::Scrubbing};
    if (publishing) kinds.push_back(Phase::WatchingRuns);
    const int phases = int(kinds.size());
    for (int r = 0; r < rounds; ++r) {
        std::printf("round %d:", r + 1);
        for (Phase kind : kinds) {
            PhaseResult p = phase(kind);
            const int k = int(kind);
            rate[k] += p.images_per_second / rounds;
            drawn[k] += p.drawn / rounds;
            busy[k].insert(busy[k].end(), p.busy_ms.begin(), p.busy_ms.end());
            own_publish[k].insert(own_publish[k].end(), p.own_publish_ms.begin(), p.own_publish_ms.end());
            runs_publish[k].insert(runs_publish[k].end(), p.runs_publish_ms.begin(), p.runs_publish_ms.end());
            std::printf(" %s %.2f img/s;", names[k], p.images_per_second);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    std::printf("frames: %zu, median %.2f ms, p95 %.2f ms, max %.2f ms (time in App::frame)\n", frame_ms.size(),
                percentile(frame_ms, 0.5), percentile(frame_ms, 0.95), percentile(frame_ms, 1.0));
    for (int k = 1; k < phases; ++k)
        std::printf("%-22s %8.2f img/s  ratio %.3f  frame busy median %.2f ms, p95 %.2f ms  drew %.0f%% of the "
                    "window per frame\n",
                    names[k], rate[k], rate[k] / rate[0], percentile(busy[k], 0.5), percentile(busy[k], 0.95),
                    100.0 * drawn[k]);
    {
        std::vector<double> latency(app.explorer().latency_frames().begin(), app.explorer().latency_frames().end());
        std::printf("scrubbing: the explorer's image reached the screen %.0f frames after the edit (median), %.0f (p95), "
                    "over %zu shown edits\n",
                    percentile(latency, 0.5), percentile(latency, 0.95), latency.size());
    }
    std::printf("frame intervals (all phases with frames): %s\n", app.frame_stats().report().c_str());
    std::printf("training alone:       %.2f img/s\nwith the window open: %.2f img/s (watching)\n", rate[0], rate[1]);
    if (publishing)
        std::printf(
            "%s (%lld grids each, one every %.2g s): frame busy median %.2f ms against %.2f ms watching one; "
            "throughput ratio %.3f against watching one\n",
            runs_name.c_str(), (long long)publishing->published(), args.get_double("runs-every", 0.5),
            percentile(busy[4], 0.5), percentile(busy[1], 0.5), rate[4] / rate[1]);
    if (publishing) {
        // The GL thread's share of each publish on its own: what taking in one grid costs the frame it arrives in.
        const int w = int(Phase::Watching), n = int(Phase::WatchingRuns);
        std::printf(
            "GL-thread time per publish: %s: median %.2f ms, p95 %.2f ms a compared run's grid (%zu taken in; "
            "the window's own %.2f ms, %zu); watching one: median %.2f ms, p95 %.2f ms a grid of the "
            "window's own run (%zu taken in)\n",
            runs_name.c_str(), percentile(runs_publish[n], 0.5), percentile(runs_publish[n], 0.95),
            runs_publish[n].size(), percentile(own_publish[n], 0.5), own_publish[n].size(),
            percentile(own_publish[w], 0.5), percentile(own_publish[w], 0.95), own_publish[w].size());
    }
    std::printf("ratio while scrubbing: %.3f\nratio: %.3f\n", rate[3] / rate[0], rate[1] / rate[0]);
    return 0;
}

}  // namespace ganscope
