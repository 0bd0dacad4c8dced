// `ganscope bench translate`: the Translate panel's live rate while a user draws. A real Canvas is edited at
// 60 Hz and every edit goes to the real TranslateWorker as the panel sends it (latest wins); prints
// translations/s and the edit-to-result latency, against the model's back-to-back rate. Main thread.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "ml/train/device.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"
#include "ml/models/translator.h"
#include "viewer/bench/bench.h"
#include "viewer/widgets/canvas.h"
#include "viewer/features/translate/translate_worker.h"

namespace ganscope {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(std::floor(q * double(v.size() - 1) + 0.5)))];
}

// An untrained generator of the given size costs what a trained one does; the snapshot is what the trainer
// hands the worker.
std::shared_ptr<const WeightsSnapshot> make_snapshot(int size, int width) {
    TrainConfig c;
    c.model = "pix2pix";
    c.image_size = size;
    c.generator = "unet_" + std::to_string(size);
    c.g_width = c.d_width = width;
    UnetGenerator g(unet_options_for(c));
    pix2pix_init_weights(*g);
    WeightsSnapshot s;
    s.config = c;
    s.tensors = clone_named_tensors(*g);
    return std::make_shared<const WeightsSnapshot>(std::move(s));
}

// Where the simulated pen is at tick i: 1 s strokes along a wavy line, a quarter second lifted between them.
struct Pen {
    bool down;
    float x, y;
};
Pen pen_at(int tick, int hz, int size) {
    const int stroke_ticks = hz, gap_ticks = hz / 4, period = stroke_ticks + gap_ticks;
    const int stroke = tick / period, t = tick % period;
    if (t >= stroke_ticks) return {false, 0, 0};
    const float u = float(t) / float(stroke_ticks);
    const float row = float((stroke * 37) % 80 + 10) / 100.0f;  // strokes on different rows
    const float x = (0.1f + 0.8f * u) * size;
    const float y = (row + 0.08f * std::sin(u * 12.0f + float(stroke))) * size;
    return {true, x, y};
}

struct LiveFigures {
    double seconds = 0;
    int edits = 0, translations = 0;
    std::vector<double> latencies_ms;  // per edit: until a translation including it is shown
    double worker_ms_median = 0;       // the worker's own inference time per translation
};

LiveFigures draw_live(TranslateWorker& worker, int size, int hz, double seconds) {
    Canvas canvas(size);
    CanvasBrush brush;
    brush.width = 3;
    std::map<uint64_t, Clock::time_point> sent;  // canvas revision -> when it was requested
    uint64_t sent_revision = canvas.revision(), seen_result = worker.result().generation();
    std::vector<std::pair<uint64_t, Clock::time_point>> pending;  // edits not yet covered by a shown result
    LiveFigures f;
    std::vector<double> worker_ms;
    bool down = false;
    float last_x = 0, last_y = 0;
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / hz));
    const auto start = Clock::now();
    const int ticks = int(std::lround(seconds * hz));
    auto poll = [&](Clock::time_point now) {
        std::shared_ptr<const TranslateResult> r;
        const uint64_t before = seen_result;
        if (!worker.result().fetch_if_newer(seen_result, r)) return;
        f.translations += int(seen_result - before);
        worker_ms.push_back(r->ms);
        // Every edit up to the shown revision is now on screen (a later canvas includes earlier strokes).
        auto covered = std::remove_if(pending.begin(), pending.end(), [&](const auto& e) {
            if (e.first > r->tag) return false;
            f.latencies_ms.push_back(ms_between(e.second, now));
            return true;
        });
        pending.erase(covered, pending.end());
    };
    for (int tick = 0; tick < ticks; ++tick) {
        std::this_thread::sleep_until(start + period * tick);
        // The frame: the panel applies the mouse to the canvas, then the App sends the canvas if it changed.
        const Pen p = pen_at(tick, hz, size);
        if (p.down) {
            if (!down) {
                canvas.begin_stroke();
                last_x = p.x;
                last_y = p.y;
            }
            canvas.stroke(last_x, last_y, p.x, p.y, brush);
            last_x = p.x;
            last_y = p.y;
        }
        down = p.down;
        const auto now = Clock::now();
        if (canvas.revision() != sent_revision) {
            sent_revision = canvas.revision();
            worker.request(canvas.image(), sent_revision);
            pending.emplace_back(sent_revision, now);
            ++f.edits;
        }
        poll(now);
    }
    f.seconds = ms_between(start, Clock::now()) / 1000.0;
    const int counted = f.translations;
    // Drain: the last edits' latencies, still at the window's 60 Hz polling; not counted in the rate.
    for (int i = 0; !pending.empty() && i < 60 * hz; ++i) {
        std::this_thread::sleep_for(period);
        poll(Clock::now());
    }
    f.translations = counted;
    f.worker_ms_median = percentile(worker_ms, 0.5);
    return f;
}

}  // namespace

int bench_translate(const Args& args) {
    const double seconds = args.get_double("seconds", 10);
    const int hz = args.get_int("hz", 60);
    const int width = args.get_int("width", 64);
    const int runs = args.get_int("runs", 5);
    const torch::Device device = resolve_device(args.get("device", "cpu"));
    if (seconds <= 0 || hz <= 0 || runs <= 0) throw UsageError("bench translate: --seconds, --hz and --runs must be positive");
    if (device.is_cpu())
        torch::set_num_threads(args.get_int("threads", int(std::max(1u, std::thread::hardware_concurrency()))));
    std::printf("bench translate: %s, %d thread(s), width %d; pen strokes on the canvas at %d Hz for %.0f s per model\n",
                device.str().c_str(), torch::get_num_threads(), width, hz, seconds);
    double ratio = 0;
    for (int size : {128, 256}) {
        auto snapshot = make_snapshot(size, width);
        // Back to back: Translator::translate of a drawn canvas, what the worker runs per request.
        auto translator = Translator::from_snapshot(*snapshot, device);
        Canvas canvas(size);
        canvas.begin_stroke();
        canvas.stroke(size * 0.2f, size * 0.5f, size * 0.8f, size * 0.5f, CanvasBrush{});
        std::vector<double> single;
        for (int i = 0; i < runs + 1; ++i) {
            const auto t0 = Clock::now();
            translator->translate(canvas.image());
            if (i > 0) single.push_back(ms_between(t0, Clock::now()));  // the first run warms up
        }
        translator.reset();
        const double single_ms = percentile(single, 0.5);

        TranslateWorker worker(device);
        worker.set_weights(snapshot);
        worker.request(Canvas(size).image(), 0);  // load and warm up, as the panel's first blank canvas does
        const auto wait_start = Clock::now();
        while (worker.result().generation() == 0) {
            if (!worker.error().empty()) throw std::runtime_error("bench translate: " + worker.error());
            if (ms_between(wait_start, Clock::now()) > 120000) throw std::runtime_error("bench translate: the worker did not start");
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        const LiveFigures f = draw_live(worker, size, hz, seconds);
        const double rate = f.translations / f.seconds, capacity = 1000.0 / single_ms;
        std::printf("unet_%d %dx%d: single image %.1f ms (median of %d, min %.1f) = %.2f/s back to back\n", size, size,
                    size, single_ms, runs, percentile(single, 0), capacity);
        std::printf("  while drawing: %d edits, %d translations in %.1f s = %.2f translations/s (worker %.1f ms each)\n",
                    f.edits, f.translations, f.seconds, rate, f.worker_ms_median);
        std::printf("  edit-to-result latency: median %.0f ms, p95 %.0f ms, max %.0f ms (%zu edits)\n",
                    percentile(f.latencies_ms, 0.5), percentile(f.latencies_ms, 0.95), percentile(f.latencies_ms, 1.0),
                    f.latencies_ms.size());
        std::fflush(stdout);
        if (size == 128) ratio = rate / capacity;
    }
    // The default CPU model's live rate over its back-to-back rate: how much of the model's speed drawing keeps.
    std::printf("ratio: %.3f\n", ratio);
    return 0;
}

}  // namespace ganscope
