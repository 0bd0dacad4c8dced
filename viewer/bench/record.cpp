// `ganscope bench record`: training throughput with and without a timelapse recording, side by side in one
// run (alternating windows), printing `ratio: X` (with / without; goal >= 0.95) last. Main thread.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "ml/train/trainer.h"
#include "viewer/bench/bench.h"
#include "viewer/features/record/recorder.h"

namespace ganscope {
namespace {

struct Totals {
    double images = 0, seconds = 0;
    double rate() const { return seconds > 0 ? images / seconds : 0; }
};

}  // namespace

int bench_record(const Args& args) {
    TrainConfig config = bench_training_config(args, {32, 64, 32}, {64, 64, 64});
    const std::string& device = config.device;
    const bool gpu = on_gpu(config);
    const int window = args.get_int("window", gpu ? 40 : 10);
    const int pairs = args.get_int("pairs", gpu ? 10 : 6);
    if (window < 2 || pairs < 1) throw UsageError("--window needs at least 2 steps and --pairs at least 1");
    config.sample_every = args.get_int("every", gpu ? 10 : 5);
    const int64_t warmup = args.get_int64("warmup", gpu ? 50 : 5);
    const std::string out = args.get("out", (std::filesystem::temp_directory_path() / "ganscope-bench-record.mp4").string());
    try {
        config.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }

    std::printf("bench record: dcgan %dx%d, batch %d, width %d, %s; one run alternating %d-step windows with the "
                "recorder paused and recording (a %d-image grid every %d steps to %s), %d windows each after %lld "
                "warm-up steps\n",
                config.image_size, config.image_size, config.batch_size, config.g_width, device.c_str(), window,
                config.grid_count, config.sample_every, out.c_str(), pairs, static_cast<long long>(warmup));
    std::fflush(stdout);

    // One trainer and one recorder; the recorder is paused in every other window. Alternating many short
    // windows inside one run makes both sides see the same machine load (this box is shared).
    TrainerOptions options;
    options.config = config;
    Trainer trainer(options);
    RecorderOptions r;
    r.video.path = out;
    r.video.format = video_format_for_path(out);
    r.video.fps = 30;
    Recorder recorder(trainer, r);
    recorder.set_paused(true);
    const int64_t total_windows = 2 * int64_t(pairs);
    std::vector<int64_t> bounds;  // step at which window k starts (window k records when k is odd)
    uint64_t seen = 0;
    std::shared_ptr<const TrainerStatus> status;
    int64_t next = warmup;
    while (int64_t(bounds.size()) <= total_windows) {
        if (trainer.wait(std::chrono::milliseconds(2))) break;
        if (!trainer.status().fetch_if_newer(seen, status) || !status) continue;
        if (!status->error.empty()) throw std::runtime_error("training failed: " + status->error);
        if (status->step < next) continue;
        bounds.push_back(status->step);
        recorder.set_paused(bounds.size() % 2 == 1 ? false : true);  // window index bounds.size()-1
        next = status->step + window;
    }
    trainer.stop();
    trainer.wait();
    RecorderStatus rs = recorder.stop();
    if (rs.video.state == VideoState::Failed) throw std::runtime_error("recording failed: " + rs.video.error);
    if (int64_t(bounds.size()) <= total_windows) throw std::runtime_error("training ended before the windows were done");

    // Time each window from the trainer's own per-step metrics clock (log_every = 1).
    const auto history = trainer.history();
    auto seconds_at = [&](int64_t step) {
        auto it = std::lower_bound(history.begin(), history.end(), step,
                                   [](const StepMetrics& m, int64_t s) { return m.step < s; });
        if (it == history.end() || it->step != step) throw std::runtime_error("no metrics at step " + std::to_string(step));
        return it->seconds;
    };
    Totals plain, recording;
    for (int64_t k = 0; k < total_windows; ++k) {
        Totals& t = (k % 2 == 1) ? recording : plain;
        t.images += double(bounds[size_t(k + 1)] - bounds[size_t(k)]) * config.batch_size;
        t.seconds += seconds_at(bounds[size_t(k + 1)]) - seconds_at(bounds[size_t(k)]);
    }
    std::printf("recorded %lld frames of %dx%d (%lld grids skipped while busy)\n",
                static_cast<long long>(rs.video.frames_written), rs.video.width, rs.video.height,
                static_cast<long long>(rs.grids_missed));
    std::printf("without recording: %.1f img/s over %.1f s\nwith recording:    %.1f img/s over %.1f s\nratio: %.3f\n",
                plain.rate(), plain.seconds, recording.rate(), recording.seconds, recording.rate() / plain.rate());
    return 0;
}

}  // namespace ganscope
