// The Record module (see record_module.h). GL thread only; the walk renders on a std::async thread, and files
// finish on std::async threads.
#include "viewer/features/record/record_module.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ml/run/history.h"
#include "viewer/features/record/latent_walk.h"
#include "viewer/sources/run_files.h"

namespace ganscope {
namespace {

// The format from the file name; a bad one is a message, not an exception.
bool video_options_for(const std::string& path, double fps, const std::string& ffmpeg, VideoOptions& out,
                       std::string& error) {
    out.path = path;
    out.fps = fps;
    out.ffmpeg = ffmpeg;
    if (path.empty()) {
        error = "give a file name: name.mp4, name.gif or folder/ for PNG frames";
        return false;
    }
    if (!(fps > 0 && fps <= 240)) {
        error = "frame rate " + std::to_string(fps) + ": use 1 to 240";
        return false;
    }
    try {
        out.format = video_format_for_path(path);
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
    return true;
}

void show_video(RecordingView& view, const VideoStatus& s, bool running) {
    view.frames = s.frames_written;
    view.path = s.path;
    if (s.state == VideoState::Failed) {
        view.state = "failed";
        view.error = s.error;
        view.active = false;
    } else if (s.state == VideoState::Finished) {
        view.state = "finished";
        view.active = false;
    } else {
        view.state = running ? "recording" : "finishing";
    }
    view.detail = s.width > 0 ? std::to_string(s.width) + "x" + std::to_string(s.height) : "";
}

}  // namespace

RecordModule::~RecordModule() { shutdown(); }

void RecordModule::shutdown() {
    if (m_recorder) m_recorder->stop();
    m_recorder.reset();
    if (m_finishing.valid()) m_finishing.wait();
    m_finishing_recorder.reset();
    if (m_grabber) m_grabber->finish();
    m_grabber.reset();
    if (m_window_finishing.valid()) m_window_finishing.wait();
    else if (m_window_writer) m_window_writer->finish();
    m_window_finishing = {};
    m_window_writer.reset();
    if (m_walk) m_walk->cancel = true;
    if (m_walk_done.valid()) m_walk_done.wait();
    m_walk.reset();
}

void RecordModule::update(RunView& view, RunSource& run) {
    RecordModel& r = m_model;
    if (!m_paths_filled) {  // once, at the first frame: the user may edit them after
        m_paths_filled = true;
        const std::string folder = output_folder(run.run_dir());
        if (r.grid_path.empty()) r.grid_path = folder + "/timelapse.mp4";
        if (r.window_path.empty()) r.window_path = folder + "/window.mp4";
        if (r.walk_path.empty()) r.walk_path = folder + "/walk.mp4";
    }
    r.can_record_grid = view.run.live;
    if (m_finishing.valid() && m_finishing.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        RecorderStatus s = m_finishing.get();  // ffmpeg is done: the file is playable
        show_video(r.grid, s.video, false);
        r.grid.active = false;
        m_finishing_recorder.reset();
    }
    r.has_weights = m_weights != nullptr;
    if (m_recorder) {
        RecorderStatus s = m_recorder->status();
        show_video(r.grid, s.video, s.running);
        r.grid.missed = s.grids_missed + s.video.frames_dropped;
        if (s.last_step >= 0) r.grid.detail += (r.grid.detail.empty() ? "" : ", ") + std::string("step ") + std::to_string(s.last_step);
        if (!s.warning.empty() && r.grid.error.empty()) r.grid.error = s.warning;
        if (!r.grid.active) m_recorder.reset();  // failed: the trainer goes on; the message stays
    }
    if (m_window_finishing.valid() && m_window_finishing.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        show_video(r.window, m_window_finishing.get(), false);  // ffmpeg is done: the file is playable
        r.window.active = false;
        m_window_writer.reset();
    }
    if (m_window_writer && !m_window_finishing.valid()) {
        show_video(r.window, m_window_writer->status(), m_grabber != nullptr);
        if (m_grabber) r.window.missed = m_grabber->frames_skipped_busy() + m_window_writer->status().frames_dropped;
        if (!r.window.active) stop_window();
    }
    if (m_walk) {
        r.walk.frames = m_walk->frames_rendered;
        r.walk.progress = m_walk->frames_total > 0 ? double(r.walk.frames) / double(m_walk->frames_total) : -1;
        if (m_walk_done.valid() && m_walk_done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            std::string error = m_walk_done.get();
            VideoStatus s = m_walk->writer->status();
            show_video(r.walk, s, false);
            if (error.empty() && s.state != VideoState::Failed && m_walk->cancel) r.walk.state = "cancelled";
            if (!error.empty()) {
                r.walk.state = "failed";
                r.walk.error = error;
            }
            r.walk.active = false;
            m_walk.reset();
        }
    }
}

void RecordModule::apply(RunView& view, RunSource& run) {
    RecordModel& r = m_model;
    if (r.start_grid && !m_recorder && !m_finishing.valid()) {
        if (view.run.live) start_grid(run);
        else r.grid.error = "an opened checkpoint publishes one grid: nothing to record over time";
    }
    if (r.stop_grid && m_recorder) {
        // ffmpeg may take a while to finish the file: it does so off this thread, the panel says "finishing...".
        m_finishing_recorder = std::move(m_recorder);
        Recorder* recorder = m_finishing_recorder.get();
        m_finishing = std::async(std::launch::async, [recorder] { return recorder->stop(); });
        r.grid.state = "finishing";
    }
    if (r.start_window && !m_grabber && !m_window_writer) start_window();
    if (r.stop_window && m_grabber) stop_window();
    if (r.start_walk && !m_walk) start_walk();
    if (r.cancel_walk && m_walk) m_walk->cancel = true;
    r.start_grid = r.stop_grid = r.start_window = r.stop_window = r.start_walk = r.cancel_walk = false;

}

void RecordModule::start_grid(const RunSource& run) {
    RecordModel& r = m_model;
    r.grid = RecordingView{};
    RecorderOptions options;
    if (!video_options_for(r.grid_path, r.grid_fps, r.ffmpeg, options.video, r.grid.error)) {
        r.grid.state = "failed";
        return;
    }
    options.every_steps = std::max(1, r.grid_every);
    options.caption = r.grid_caption;
    options.layout.min_width = 512;  // a 16 px model's grid is still watchable
    m_recorder = std::make_unique<Recorder>(run.samples(), &run.status(), options);
    r.grid.active = true;
    r.grid.state = "recording";
    r.grid.path = r.grid_path;
}

void RecordModule::start_window() {
    RecordModel& r = m_model;
    r.window = RecordingView{};
    VideoOptions options;
    if (!video_options_for(r.window_path, r.window_fps, r.ffmpeg, options, r.window.error)) {
        r.window.state = "failed";
        return;
    }
    options.queue_frames = 16;  // a whole window per frame: drop rather than hold many in memory
    m_window_writer = std::make_unique<VideoWriter>(options);
    m_grabber = std::make_unique<FrameGrabber>(*m_window_writer, r.window_fps);
    r.window.active = true;
    r.window.state = "recording";
    r.window.path = r.window_path;
}

void RecordModule::stop_window() {
    if (m_grabber) m_grabber->finish();  // the read-backs still in flight become the last frames (GL: this thread)
    m_grabber.reset();
    if (!m_window_writer || m_window_finishing.valid()) return;
    // ffmpeg may take a while to finish the file: it does so off this thread, the panel says "finishing...".
    VideoWriter* writer = m_window_writer.get();
    m_window_finishing = std::async(std::launch::async, [writer] { return writer->finish(); });
    m_model.window.state = "finishing";
}

void RecordModule::capture(int width, int height, double now_seconds) {
    if (m_grabber) m_grabber->capture(width, height, now_seconds);
}

void RecordModule::start_walk() {
    RecordModel& r = m_model;
    r.walk = RecordingView{};
    if (!m_weights) {
        r.walk.state = "failed";
        r.walk.error = "no generator yet: wait for the first weights snapshot";
        return;
    }
    if (r.walk_resolution < 16 || r.walk_resolution > 4096) {
        r.walk.state = "failed";
        r.walk.error = "resolution " + std::to_string(r.walk_resolution) + ": use 16 to 4096 pixels";
        return;
    }
    VideoOptions options;
    if (!video_options_for(r.walk_path, r.walk_fps, r.ffmpeg, options, r.walk.error)) {
        r.walk.state = "failed";
        return;
    }
    options.when_full = QueueFull::Wait;  // offline: every frame counts; this thread is nobody's bottleneck
    WalkOptions w;
    w.kind = r.walk_kind == 0 ? WalkKind::Interpolate : WalkKind::Random;
    w.count = std::clamp(r.walk_count, 1, 64);
    w.frames = std::max(1, int(std::lround(double(r.walk_seconds) * r.walk_fps)));
    w.seed = uint64_t(m_explorer.randomize_seed);
    FrameLayout layout;
    layout.width = r.walk_resolution;
    auto job = std::make_shared<WalkJob>();
    job->frames_total = w.frames;
    job->writer = std::make_unique<VideoWriter>(options);
    m_walk = job;
    auto weights = m_weights;
    // The same path `ganscope timelapse --walk` takes: a SnapshotGenerator, LatentPath and render_walk.
    m_walk_done = std::async(std::launch::async, [job, weights, w, layout]() -> std::string {
        try {
            torch::NoGradGuard no_grad;
            SnapshotGenerator generator(*weights, torch::kCPU);
            if (generator.is_image_to_image()) return "a latent walk needs a latent space; this run is image-to-image";
            LatentPath path(generator.latent_dim(), w);
            render_walk([&](const torch::Tensor& z) {
                    if (job->cancel) throw std::runtime_error("cancelled");
                    ++job->frames_rendered;
                    return generator.generate(z);
                }, path, layout, *job->writer);
            job->writer->finish();
            return "";
        } catch (const std::exception& e) {
            job->writer->finish();  // what was written stays playable
            return job->cancel ? "" : e.what();
        }
    });
    r.walk.active = true;
    r.walk.state = "rendering";
    r.walk.path = r.walk_path;
    r.walk.detail = std::to_string(w.frames) + " frames at " + std::to_string(r.walk_resolution) + " px, step " +
                    std::to_string(weights->step);
}

}  // namespace ganscope
