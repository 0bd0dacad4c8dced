// The live window: composes a run source (a trainer here, a checkpoint, a followed folder: viewer/sources), the GL
// context and textures (render) and the panels (ImGui). Create, run and destroy it on the main (GL) thread; the
// source and the workers run on their own.
#pragma once

#include <atomic>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "ml/dataset.h"
#include "ml/latent.h"
#include "ml/trainer.h"
#include "viewer/sources/run_source.h"
#include "render/gl_context.h"
#include "viewer/window/app_model.h"
#include "viewer/window/damage.h"
#include "viewer/window/frame_stats.h"
#include "viewer/workers/latent_worker.h"
#include "viewer/panels/curves_panel.h"
#include "viewer/panels/history_panel.h"
#include "viewer/panels/record_panel.h"
#include "viewer/record/record_controller.h"
#include "viewer/panels/dataset_panel.h"
#include "viewer/panels/interpolation_panel.h"
#include "viewer/panels/latent_panel.h"
#include "viewer/panels/performance_panel.h"
#include "viewer/panels/samples_panel.h"
#include "viewer/panels/training_panel.h"
#include "viewer/panels/translate_panel.h"
#include "viewer/window/tensor_texture.h"
#include "viewer/workers/translate_worker.h"

namespace ganscope {

struct AppOptions {
    enum class Mode { Train, Open, Watch };
    Mode mode = Mode::Train;
    TrainerOptions trainer;         // Train: what to train (a new run or --resume)
    std::string checkpoint;         // Open: the checkpoint to explore
    std::string watch_dir;          // Watch: the run folder another process writes
    double watch_poll_seconds = 0.25;
    bool headless = false;
    int width = 1280, height = 800;
    bool vsync = true;
    std::string screenshot;         // headless: written after the last frame
    int frames = 0;                 // headless: frames to draw once the first samples arrived (0: 1)
    double wait_seconds = 120;      // headless: how long to wait for the first samples
    std::string ini_path;           // layout file; empty: layout not remembered
    std::string screenshot_dir = "screenshots";  // F12 / menu screenshots
    bool stop_trainer_on_exit = true;
    bool damage_tracking = true;    // false: every frame draws the whole window (GANSCOPE_FULL_REDRAW=1)
    const std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: close like the close button
};

class App {
public:
    explicit App(AppOptions options);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    // The loop: until the window closes (or, headless, the frames are drawn). Returns the exit code.
    int run();
    void frame();  // one frame: read sources, draw panels, act on intents, present

    AppModel& model() { return m_model; }
    void set_damage_tracking(bool on) { m_options.damage_tracking = on; }
    GlContext& context() { return *m_context; }
    RunSource& source() { return *m_run; }  // what the window shows: see viewer/sources/run_source.h
    LatentWorker* worker() { return m_worker.get(); }
    const TensorTexture& grid_texture() const { return m_grid_texture; }
    const TensorTexture& explorer_texture() const { return m_explorer_texture; }
    const TensorTexture& dataset_texture() const { return m_real_texture; }
    const TensorTexture& walk_texture() const { return m_walk_texture; }
    TranslateWorker* translate_worker() { return m_translate_worker.get(); }
    const TensorTexture& translate_output_texture() const { return m_translate_output_texture; }
    const FrameStats& frame_stats() const { return m_stats; }
    // Frames from an explorer edit to the frame that draws its image (0: the same frame), for the last edits
    // whose images were shown (latest-wins skips the rest).
    const std::vector<int>& explorer_latency_frames() const { return m_explorer_latency; }
    const RecordController& record_controller() const { return m_record; }
    // Writes what the last frame drew to a PNG; returns the path.
    std::string save_screenshot(const std::string& path);

private:
    void update_sources();       // app_update.cpp: trainer, worker and loader results -> model and textures
    void update_requests();      // app_update.cpp: explorer/interpolation edits -> worker requests
    void apply_intents();        // app_update.cpp: panel intents -> trainer commands, files
    void handle_shortcuts();     // app_layout.cpp
    void draw_ui();              // app_layout.cpp: menu bar and the panel windows
    void translate_sources();    // app_translate.cpp: translator, results and loaded images -> model, textures
    void translate_requests();   // app_translate.cpp: canvas edits and the panel's intents -> the worker, files
    void translate_shutdown();   // app_translate.cpp: worker, textures and the drop callback go
    void show_grid(const SampleGrid& grid);
    void on_first_status(const TrainerStatus& status);  // app_update.cpp: the run's config is known
    void set_latent_dim(int latent_dim, int image_size);

    AppOptions m_options;
    std::unique_ptr<GlContext> m_context;
    std::string m_ini_path;      // kept alive: ImGui holds the pointer
    bool m_imgui_glfw = false, m_imgui_gl = false;

    std::unique_ptr<RunSource> m_run;
    std::unique_ptr<LatentWorker> m_worker;
    uint64_t m_seen_status = 0, m_seen_samples = 0, m_seen_weights = 0, m_seen_pca = 0;
    bool m_announced = false;    // the source's first real status was turned into model state
    uint64_t m_seen_results[kLatentJobCount] = {};
    int64_t m_history_step = -1;
    uint64_t m_sent_explorer = ~0ull, m_sent_interpolation = ~0ull;
    uint64_t m_frame_index = 0;
    std::deque<std::pair<uint64_t, uint64_t>> m_explorer_requests;  // request id, frame sent
    std::vector<int> m_explorer_latency;
    bool m_pca_requested = false;
    std::unique_ptr<LatentWalk> m_walk;

    std::shared_ptr<ImageSource> m_source;  // the dataset, opened lazily off the GL thread
    std::future<std::pair<std::shared_ptr<ImageSource>, torch::Tensor>> m_page_future;

    TensorTexture m_grid_texture, m_explorer_texture, m_strip_texture, m_walk_texture, m_real_texture;
    AppModel m_model;
    TrainingPanel m_training_panel;
    SamplesPanel m_samples_panel;
    CurvesPanel m_curves_panel;
    LatentPanel m_latent_panel;
    InterpolationPanel m_interpolation_panel;
    DatasetPanel m_dataset_panel;
    PerformancePanel m_performance_panel;
    RecordPanel m_record_panel;
    HistoryPanel m_history_panel;
    RecordController m_record;   // recordings and the history slider (record_controller.h)

    std::unique_ptr<TranslateWorker> m_translate_worker;  // pix2pix runs: the Translate panel's inference
    TensorTexture m_translate_canvas_texture, m_translate_output_texture;
    uint64_t m_seen_translate_info = 0, m_seen_translate_result = 0, m_seen_translate_loaded = 0;
    uint64_t m_sent_canvas = ~0ull, m_uploaded_canvas = ~0ull;
    Image m_translate_output;  // the shown output, for saving
    TranslatePanel m_translate_panel;

    FrameStats m_stats;
    DamageTracker m_damage;
    double m_last_frame_time = -1;
    bool m_reset_layout = false;
    ImVec2 m_layout_display{0, 0};  // the display size the panels were last laid out for
    bool m_layout_refit = false;    // panels outside the display were re-tiled for this size
    bool m_show_demo = false;
    std::vector<uint8_t> m_last_pixels;
};

// Where the window keeps its layout: $XDG_CONFIG_HOME/ganscope/imgui.ini (or ~/.config/...); empty if neither.
std::string default_ini_path();

}  // namespace ganscope
