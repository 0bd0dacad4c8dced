// The window's Record panel and History tab, headless: a grid timelapse and a window recording started from
// the panel's intents become valid MP4s (ffprobe); bad paths and a missing ffmpeg are messages while training
// goes on; the history slider's texture, read back, is the snapshot generator's image of the grid latents
// and the explorer's latent; a latent-walk video renders off the GL thread. Main (GL) thread.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "ml/run/history.h"
#include "ml/test_util.h"
#include "render/texture.h"
#include "viewer/window/app.h"
#include "viewer/widgets/tensor_texture.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

TrainConfig small_config(const std::string& data) { return tiny_dcgan_config(data, 2, 11); }

// ffprobe's codec_name, width, height and nb_read_frames of the first video stream.
std::map<std::string, std::string> probe(const std::string& file) {
    std::string out;
    FILE* pipe = ::popen(("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                          "stream=codec_name,pix_fmt,width,height,nb_read_frames -of default=noprint_wrappers=1 '" +
                          file + "' 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
    std::map<std::string, std::string> fields;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        size_t eq = line.find('=');
        if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return fields;
}

int frame_count(const std::map<std::string, std::string>& f) {
    auto it = f.find("nb_read_frames");
    return it == f.end() ? 0 : std::atoi(it->second.c_str());
}

}  // namespace

TEST_CASE("Record panel: grid timelapse and window recording become valid MP4s; bad paths are messages") {
    const std::string dir = work_dir("record_panel");
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = small_config(test::synthetic_folder("viewer_record", 16));
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.samples().grid().step >= 0; }));
    RecordModel& r = app.record().model();
    CHECK(r.can_record_grid);

    // A missing ffmpeg and an unwritable folder: one clear line each; training goes on.
    r.ffmpeg = dir + "/no-such-ffmpeg";
    r.grid_path = dir + "/missing.mp4";
    r.start_grid = true;
    REQUIRE(frames_until(app, [&] { return r.grid.state == "failed"; }, 20));
    CHECK(r.grid.error.find("no-such-ffmpeg") != std::string::npos);
    r.ffmpeg = "ffmpeg";
    r.window_path = "/nonexistent-folder/w.mp4";
    r.start_window = true;
    REQUIRE(frames_until(app, [&] { return r.window.state == "failed"; }, 20));
    CHECK(r.window.error.find("/nonexistent-folder") != std::string::npos);
    r.grid_path = dir + "/grid.avi";
    r.start_grid = true;
    app.frame();
    CHECK(r.grid.state == "failed");
    CHECK(r.grid.error.find("grid.avi") != std::string::npos);
    const int64_t step_before = app.model().status->step;

    // The grid every 2 steps, and the window at 30 fps, at once.
    r.grid_path = dir + "/grid.mp4";
    r.grid_every = 2;
    r.start_grid = true;
    r.window_path = dir + "/window.mp4";
    r.window_fps = 30;
    r.start_window = true;
    app.model().monitor_tab = 1;
    REQUIRE(frames_until(app, [&] { return r.grid.frames >= 3 && r.window.frames >= 5; }));
    CHECK(r.grid.active);
    CHECK(r.window.active);
    app.save_screenshot(dir + "/record_panel.png");
    CHECK(app.model().status->step > step_before);  // the failures above did not stop training
    r.stop_grid = true;
    r.stop_window = true;
    app.frame();
    // ffmpeg finishes both files off the GL thread: the frame after the stop says so, and the window goes on.
    CHECK((r.grid.state == "finishing" || r.grid.state == "finished"));
    CHECK((r.window.state == "finishing" || r.window.state == "finished"));
    REQUIRE(frames_until(app, [&] { return r.grid.state == "finished" && r.window.state == "finished"; }));
    CHECK_FALSE(r.grid.active);
    CHECK_FALSE(r.window.active);

    auto grid = probe(dir + "/grid.mp4");
    CHECK(grid["codec_name"] == "h264");
    CHECK(grid["pix_fmt"] == "yuv420p");
    CHECK(frame_count(grid) >= 3);
    CHECK(frame_count(grid) == r.grid.frames);
    auto window = probe(dir + "/window.mp4");
    CHECK(window["codec_name"] == "h264");
    CHECK(window["width"] == "1280");
    CHECK(window["height"] == "800");
    CHECK(frame_count(window) >= 5);
    CHECK(frame_count(window) == r.window.frames);
}

TEST_CASE("History slider: the snapshot's generator draws the grid and the explorer latent; walk video") {
    const std::string dir = work_dir("history_slider");
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = small_config(test::synthetic_folder("viewer_history", 16));
    o.trainer.config.history_every = 3;
    o.trainer.config.steps = 9;
    o.trainer.run_dir = dir + "/run";
    App app(o);
    HistoryViewModel& h = app.history().model();
    app.model().samples_tab = 2;
    REQUIRE(frames_until(app, [&] {
        return app.model().status && app.model().status->state == TrainerState::Finished && h.steps.size() >= 3 &&
               h.steps.back() >= 9;
    }));
    CHECK(h.live());  // live until someone moves the slider
    const auto entries = list_history(dir + "/run");
    REQUIRE(entries.size() == h.steps.size());

    // Scrub to the first and to the newest snapshot: each time the textures hold that generator's images.
    torch::Tensor first_grid;
    for (int position : {0, int(h.steps.size()) - 1}) {
        h.position = position;
        const int64_t step = h.steps[size_t(position)];
        REQUIRE(frames_until(app, [&] { return h.shown_step == step && !h.pending; }, 30));
        app.frame();
        SnapshotGenerator generator(load_snapshot(entries[size_t(position)].path));
        CHECK(generator.step() == step);
        torch::NoGradGuard no_grad;
        torch::Tensor images = generator.generate(app.samples().grid().latents);
        auto expected = expected_rgba(grid_image(images, app.samples().grid().columns, app.samples().grid().padding));
        auto texture = app.history().grid_texture().texture().read_rgba8();
        CHECK(max_difference(texture, expected) <= 1);
        torch::Tensor single = generator.generate(explorer_latent(app.explorer().model()).unsqueeze(0));
        CHECK(max_difference(app.history().explorer_texture().texture().read_rgba8(),
                             expected_rgba(single[0])) <= 1);
        if (position == 0) {
            first_grid = images;
            app.save_screenshot(dir + "/history_first.png");
        } else {
            CHECK_FALSE(torch::allclose(images, first_grid, 1e-3, 1e-3));  // training changed the generator
        }
    }

    // A random-walk video of the newest generator, 1 s at 10 fps, 64 px, rendered off the GL thread.
    RecordModel& r = app.record().model();
    CHECK(r.has_weights);
    r.walk_path = dir + "/walk.mp4";
    r.walk_kind = 1;
    r.walk_resolution = 64;
    r.walk_seconds = 1;
    r.walk_fps = 10;
    r.start_walk = true;
    app.frame();
    REQUIRE(frames_until(app, [&] { return !r.walk.active; }, 30));
    CHECK(r.walk.state == "finished");
    CHECK(r.walk.frames == 10);
    auto walk = probe(dir + "/walk.mp4");
    CHECK(walk["codec_name"] == "h264");
    CHECK(walk["width"] == "64");
    CHECK(frame_count(walk) == 10);
}
