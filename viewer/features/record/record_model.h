// What the Record panel and the History tab read and the intents they write: plain values in the AppModel,
// filled and acted on by the RecordController. GL thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganscope {

// One recording's state as the panel shows it.
struct RecordingView {
    bool active = false;          // running (or finishing)
    std::string state = "idle";   // idle, recording, finishing, finished, failed
    int64_t frames = 0;           // written to the file
    int64_t missed = 0;           // grids passed over (latest wins) or frames dropped
    double progress = -1;         // 0..1 where the length is known; -1 otherwise
    std::string path;             // the file being (or last) written
    std::string error;            // one line; empty when fine
    std::string detail;           // e.g. "640x640, step 120"
};

struct RecordModel {
    // Timelapse of the sample grid (Recorder).
    // The files' defaults are filled in from the run (output_folder: the run's folder, else ~/ganscope), full paths.
    std::string grid_path;
    int grid_every = 50;          // steps between frames
    float grid_fps = 10;
    bool grid_caption = true;
    RecordingView grid;
    // The whole window (FrameGrabber).
    std::string window_path;
    float window_fps = 30;
    RecordingView window;
    // Latent interpolation / random walk rendered from the newest generator, off the GL thread.
    std::string walk_path;
    int walk_kind = 0;            // 0 interpolation through keyframes, 1 random walk
    int walk_resolution = 512;
    float walk_seconds = 6;
    float walk_fps = 30;
    int walk_count = 1;           // latents per frame (a grid when > 1)
    RecordingView walk;
    std::string ffmpeg = "ffmpeg";  // program used by all three (tests point it elsewhere)
    bool can_record_grid = false;   // a trainer publishes grids (not in --open mode)
    bool has_weights = false;       // a generator exists for the walk
    // Intents, cleared by the controller after acting.
    bool start_grid = false, stop_grid = false;
    bool start_window = false, stop_window = false;
    bool start_walk = false, cancel_walk = false;
};

}  // namespace ganscope
