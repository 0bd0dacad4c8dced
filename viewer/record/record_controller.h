// The window side of recording and history: grid timelapses (Recorder), window recordings (FrameGrabber),
// latent-walk videos (rendered on their own thread) and the history time slider (HistoryWorker). It turns
// the Record panel's and History tab's intents into these and their progress back into the model.
// GL thread only (it owns the history textures and the frame grabber).
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>

#include "ml/trainer.h"
#include "viewer/sources/run_source.h"
#include "render/frame_grabber.h"
#include "viewer/window/app_model.h"
#include "viewer/workers/history_worker.h"
#include "viewer/record/recorder.h"
#include "viewer/window/tensor_texture.h"

namespace ganscope {

class RecordController {
public:
    RecordController() = default;
    ~RecordController();  // shutdown()
    RecordController(const RecordController&) = delete;
    RecordController& operator=(const RecordController&) = delete;

    // The generator the walk videos use (the trainer's newest weights, or an opened checkpoint's).
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights) { m_weights = std::move(weights); }
    // Where the history snapshots are (the run folder); empty: no history.
    void set_run_dir(const std::string& run_dir);
    // Before the panels draw: progress and history images into the model.
    void update(AppModel& model, const RunSource* run);
    // After the panels drew: start and stop what they asked for, send history requests.
    void apply(AppModel& model, const RunSource* run);
    // After the frame is drawn, before it is presented: a window-recording frame when one is due.
    void capture(int width, int height, double now_seconds);
    // Finishes every file (playable) and stops the threads. Idempotent; call while the GL context is current.
    void shutdown();

    const TensorTexture& history_grid_texture() const { return m_history_grid; }
    const TensorTexture& history_explorer_texture() const { return m_history_explorer; }

private:
    void start_grid(AppModel& model, const RunSource& run);
    void start_window(AppModel& model);
    void start_walk(AppModel& model);
    void stop_window(RecordModel& r);
    void update_history(AppModel& model);

    std::shared_ptr<const WeightsSnapshot> m_weights;
    std::unique_ptr<Recorder> m_recorder;
    std::unique_ptr<Recorder> m_finishing_recorder;  // stopped, ffmpeg finishing the file on m_finishing's thread
    std::future<RecorderStatus> m_finishing;
    std::unique_ptr<VideoWriter> m_window_writer;
    std::unique_ptr<FrameGrabber> m_grabber;
    struct WalkJob {
        std::unique_ptr<VideoWriter> writer;
        std::atomic<int64_t> frames_rendered{0};
        std::atomic<bool> cancel{false};
        int64_t frames_total = 0;
    };
    std::shared_ptr<WalkJob> m_walk;
    std::future<std::string> m_walk_done;  // the walk thread's error ("" when fine)

    std::unique_ptr<HistoryWorker> m_history;
    uint64_t m_seen_history = 0, m_seen_entries = 0;
    int64_t m_sent_step = -2;
    uint64_t m_last_request = 0;
    uint64_t m_sent_explorer = ~0ull;
    TensorTexture m_history_grid, m_history_explorer;
};

}  // namespace ganscope
