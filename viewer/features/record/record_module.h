// Record: grid timelapses (Recorder), window recordings (FrameGrabber) and latent-walk videos (rendered on their
// own thread). It turns the Record panel's intents into these and their progress back into its model; files
// finish off the GL thread (the panel says "finishing"). GL thread only (it owns the frame grabber).
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>

#include "render/frame_grabber.h"
#include "viewer/features/module.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/features/record/record_panel.h"
#include "viewer/features/record/recorder.h"

namespace ganscope {

class RecordModule : public Module {
public:
    // explorer: the walk videos start from its seed.
    explicit RecordModule(const ExplorerModel& explorer) : m_explorer(explorer) {}
    ~RecordModule() override;  // shutdown()
    RecordModule(const RecordModule&) = delete;
    RecordModule& operator=(const RecordModule&) = delete;

    const char* title() const override { return "Record"; }
    void update(RunView& view, RunSource& run) override;  // progress into the model
    void draw(RunView&) override { m_panel.draw(m_model); }
    void apply(RunView& view, RunSource& run) override;   // start and stop what the panel asked for
    // Finishes every file (playable) and stops the threads. Idempotent; call while the GL context is current.
    void shutdown() override;

    // The generator the walk videos use (the trainer's newest weights, or an opened checkpoint's).
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights) { m_weights = std::move(weights); }
    // After the frame is drawn, before it is presented: a window-recording frame when one is due.
    void capture(int width, int height, double now_seconds);
    RecordModel& model() { return m_model; }
    const RecordModel& model() const { return m_model; }
    bool busy() const override { return recording(); }
    bool recording() const { return m_model.grid.active || m_model.window.active || m_model.walk.active; }

private:
    void start_grid(const RunSource& run);
    void start_window();
    void start_walk();
    void stop_window();

    const ExplorerModel& m_explorer;
    bool m_paths_filled = false;  // the files' default paths, from the run
    RecordModel m_model;
    std::shared_ptr<const WeightsSnapshot> m_weights;
    std::unique_ptr<Recorder> m_recorder;
    std::unique_ptr<Recorder> m_finishing_recorder;  // stopped, ffmpeg finishing the file on m_finishing's thread
    std::future<RecorderStatus> m_finishing;
    std::unique_ptr<VideoWriter> m_window_writer;
    std::unique_ptr<FrameGrabber> m_grabber;
    std::future<VideoStatus> m_window_finishing;  // a stopped window recording, ffmpeg finishing it
    struct WalkJob {
        std::unique_ptr<VideoWriter> writer;
        std::atomic<int64_t> frames_rendered{0};
        std::atomic<bool> cancel{false};
        int64_t frames_total = 0;
    };
    std::shared_ptr<WalkJob> m_walk;
    std::future<std::string> m_walk_done;  // the walk thread's error ("" when fine)
    RecordPanel m_panel;
};

}  // namespace ganscope
