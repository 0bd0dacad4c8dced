// Records the trainer's sample grids into a video while it trains: its own thread polls the latest-wins
// samples slot, so the trainer never waits on it. Construct, query and stop from any one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ml/slot.h"
#include "ml/train/trainer.h"
#include "render/video.h"
#include "viewer/features/record/video_frames.h"

namespace ganscope {

struct RecorderOptions {
    VideoOptions video;              // path, format, fps, ffmpeg, ...
    // A frame from the first grid at or past each multiple of this many steps (after the first frame); 0: every grid.
    // Grids the trainer publishes by the clock count too, so a cadence finer than the run's sample_every is kept.
    int64_t every_steps = 0;
    FrameLayout layout{0, 2, 0, 512};
    bool caption = true;             // step, epoch and losses in a band above the grid
    int caption_px = 14;
    std::chrono::milliseconds poll{20};
};

struct RecorderStatus {
    bool running = false;
    bool paused = false;
    VideoStatus video;               // state, frames written/dropped, path, error (one line)
    int64_t last_step = -1;          // step of the newest recorded grid
    int64_t grids_missed = 0;        // grids published while the recorder was busy (latest wins)
    std::string warning;             // e.g. no caption font: recording goes on without captions
};

class Recorder {
public:
    // `status` (may be null) supplies the losses for captions.
    Recorder(const LatestSlot<SampleGrid>& samples, const LatestSlot<TrainerStatus>* status, RecorderOptions options);
    Recorder(const Trainer& trainer, RecorderOptions options)
        : Recorder(trainer.samples(), &trainer.status(), std::move(options)) {}
    ~Recorder();  // stop()
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Takes the newest grid if it is still due, finishes the file and returns the final status. Idempotent.
    RecorderStatus stop();
    RecorderStatus status() const;
    // While paused, grids are passed over (the file stays open); resuming records the next due grid.
    void set_paused(bool paused);

private:
    void thread_main();
    void record(const SampleGrid& grid);

    const LatestSlot<SampleGrid>& m_samples;
    const LatestSlot<TrainerStatus>* m_trainer_status;
    RecorderOptions m_options;
    std::unique_ptr<VideoWriter> m_writer;
    std::unique_ptr<CaptionRenderer> m_caption;  // recorder thread only

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    bool m_paused = false;
    bool m_running = true;
    int64_t m_last_step = -1;
    int64_t m_grids_missed = 0;
    std::string m_warning;
    std::thread m_thread;
};

// One line: where the video went (frames, size) or why recording stopped.
std::string timelapse_summary(const RecorderStatus& status);

}  // namespace ganscope
