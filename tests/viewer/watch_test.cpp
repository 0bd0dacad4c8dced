// `ganscope watch runs/NAME`: the window follows a run folder that another process writes; the metrics reader
// never misreads a torn last line. Test (GL) thread; the training run is a real second ganscope process.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../ml/test_util.h"
#include "ml/data/tensor_image.h"
#include "viewer/sources/run_files.h"
#include "window_support.h"

extern char** environ;

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

void append(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app | std::ios::binary) << text << std::flush;
}

std::string record_line(int64_t step) {
    StepMetrics m;
    m.step = step;
    m.loss_g = 1.0 + double(step);
    return m.to_json().dump();
}

// A `ganscope train --headless` process, killed when the test is done with it.
struct TrainingProcess {
    pid_t pid = -1;
    explicit TrainingProcess(const std::vector<std::string>& args) {
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    }
    ~TrainingProcess() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

}  // namespace

TEST_CASE("MetricsTail: lines as they complete; a torn last line waits; a bad line is skipped; a rewrite restarts") {
    const std::string dir = work_dir("metrics_tail");
    const std::string path = dir + "/metrics.jsonl";
    MetricsTail tail(path);
    CHECK(tail.poll().empty());  // no file yet
    append(path, record_line(1) + "\n" + record_line(2) + "\n");
    const std::string third = record_line(3);
    append(path, third.substr(0, third.size() / 2));  // the writer is half-way through line 3
    auto got = tail.poll();
    REQUIRE(got.size() == 2);
    CHECK(got[0].step == 1);
    CHECK(got[1].step == 2);
    CHECK(tail.poll().empty());  // still torn
    append(path, third.substr(third.size() / 2) + "\n");
    got = tail.poll();
    REQUIRE(got.size() == 1);
    CHECK(got[0].step == 3);
    CHECK(got[0].loss_g == doctest::Approx(4.0));
    append(path, "{\"step\": 4, \"loss_g\": \n" + record_line(5) + "\n");  // a complete but broken line
    got = tail.poll();
    REQUIRE(got.size() == 1);
    CHECK(got[0].step == 5);
    CHECK(tail.bad_lines() == 1);
    // A resume rewrites the file shorter: read again from the start.
    std::ofstream(path, std::ios::trunc) << record_line(1) << "\n";
    got = tail.poll();
    CHECK(tail.restarted());
    REQUIRE(got.size() == 1);
    CHECK(got[0].step == 1);
}

TEST_CASE("ganscope watch: follows a run another process trains; grid equals its PNG, metrics within 2 s") {
    const std::string dir = work_dir("watch");
    const std::string run = dir + "/run";
    const std::string data = synthetic_folder("viewer_watch", 16);
    TrainingProcess trainer({std::string(GANSCOPE_BINARY_DIR) + "/ganscope", "train", "--headless", "--preset", "tiny",
                             "--data", data, "--steps", "0", "--out", run, "--sample-every", "3", "--log-every", "1",
                             "--history-every", "4", "--workers", "1"});
    AppOptions o;
    o.headless = true;
    o.width = 960;
    o.height = 600;
    o.mode = AppOptions::Mode::Watch;
    o.watch_dir = run;  // may not exist yet: the source waits for its config.json
    o.watch_poll_seconds = 0.1;
    App app(o);
    CHECK_FALSE(app.source().capabilities().commands);
    CHECK(app.source().capabilities().live);
    const RunView& m = app.model();
    const GridModel& grid = app.samples().grid();
    const ExplorerModel& explorer = app.explorer().model();
    const MetricsHistory& metrics = app.curves().metrics();

    // The grid: the newest samples/step_*.png, cell for cell.
    REQUIRE(frames_until(app, [&] { return grid.step >= 6 && grid.view_image.ready(); }, 180));
    const int64_t step = grid.step;
    char name[32];
    std::snprintf(name, sizeof name, "step_%08lld.png", (long long)step);
    const std::string png = run + "/samples/" + name;
    REQUIRE(fs::exists(png));
    const torch::Tensor cells = cells_of_grid_png(png, 16, 2, 16);  // the tiny preset: 16 cells of 16 px
    CHECK(grid.count == 16);
    CHECK(grid.columns == 4);
    const torch::Tensor shown = make_grid(cells, grid.columns, grid.padding, kDisplayGutter);
    CHECK(app.samples().whole_texture().read_rgba8() == expected_rgba(shown));
    // And the cells hold the PNG's own bytes: converting them back gives the file's pixels.
    const Image file = to_rgb(load_image_raw(png));
    const Image back = tensor_to_image(make_grid(cells, 4, 2, 1.0f));
    CHECK(back.pixels == file.pixels);

    // Metrics: a record the trainer writes reaches the curves within 2 s of the test seeing it in the file.
    const std::string metrics_file = run + "/metrics.jsonl";
    MetricsTail tail(metrics_file);
    int64_t written = -1;
    for (const auto& r : tail.poll()) written = r.step;
    auto newer = [&] {
        for (const auto& r : tail.poll()) written = r.step;
        return written;
    };
    const int64_t before = written;
    while (newer() == before) app.frame();
    const auto seen_at = std::chrono::steady_clock::now();
    REQUIRE(frames_until(app, [&] { return !metrics.records().empty() && metrics.records().back().step >= written; }, 10));
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - seen_at).count() < 2.0);
    CHECK(m.status->step >= written);
    // The Training panel's figures come from what the run wrote: its rates and its speed (not 0 and "--").
    REQUIRE(m.status->config.lr_g > 0);
    CHECK(m.status->lr_g_now == doctest::Approx(m.status->config.lr_g));
    CHECK(m.status->lr_d_now == doctest::Approx(m.status->config.lr_d));
    CHECK(m.status->step_ms > 0);
    CHECK(m.status->step_ms == doctest::Approx(1000.0 * m.status->batch_size / m.status->last.images_per_sec));

    // The explorer runs here, on the newest history snapshot the run published.
    REQUIRE(frames_until(app, [&] { return explorer.image.ready() && explorer.weights_step >= 4; }, 120));

    // Read-only: commands are refused with a line, and nothing is written into the run.
    app.training().intents().add({RunCommand::Kind::Start});
    app.frame();
    CHECK(m.notice.find("read-only") != std::string::npos);
    app.save_screenshot(dir + "/watch.png");
}
