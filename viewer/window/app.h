// The live window: composes a run source (a trainer here, a checkpoint, a followed folder or server:
// viewer/sources, viewer/serve), the GL context (render) and the feature modules (viewer/features), each with its
// model, workers, textures and panel. Create, run and destroy it on the main (GL) thread; the source and the
// workers run on their own.
#pragma once

#include <atomic>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "ml/train/trainer.h"
#include "render/gl_context.h"
#include "viewer/features/compare/compare_module.h"
#include "viewer/features/curves/curves_module.h"
#include "viewer/features/dataset/dataset_module.h"
#include "viewer/features/history/history_module.h"
#include "viewer/features/inspect/inspect_module.h"
#include "viewer/features/nearest/nearest_module.h"
#include "viewer/features/latent/latent_modules.h"
#include "viewer/features/performance/performance_module.h"
#include "viewer/features/project/project_module.h"
#include "viewer/features/record/record_module.h"
#include "viewer/features/samples/samples_module.h"
#include "viewer/features/training/training_module.h"
#include "viewer/features/translate/translate_module.h"
#include "viewer/sources/run_source.h"
#include "viewer/window/damage.h"
#include "viewer/widgets/frame_stats.h"

namespace ganscope {

struct AppOptions {
    enum class Mode { Train, Open, Watch };
    Mode mode = Mode::Train;
    TrainerOptions trainer;         // Train: what to train (a new run or --resume)
    std::string checkpoint;         // Open: the checkpoint to explore
    std::string watch_dir;          // Watch: the run folder another process writes, or http://HOST:PORT it serves
    std::string watch_token;        // Watch over HTTP: the server's token (commands); empty: read-only
    double watch_poll_seconds = 0.25;
    bool headless = false;
    int width = 1280, height = 800;
    bool vsync = true;
    std::string screenshot;         // headless: written after the last frame
    int frames = 0;                 // headless: frames to draw once the first samples arrived (0: 1)
    double wait_seconds = 120;      // headless: how long to wait for the first samples
    std::string ini_path;           // layout file; empty: layout not remembered
    std::string screenshot_dir;     // F12 / menu screenshots; empty: screenshots/ in output_folder(the run's folder)
    bool stop_trainer_on_exit = true;
    bool damage_tracking = true;    // false: every frame draws the whole window (GANSCOPE_FULL_REDRAW=1)
    const std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: close like the close button
    // `ganscope compare`: runs shown beside the window's own (which the mode above opens), each a run source of its
    // own; the Compare panel's tab in front (0 samples, 1 curves, 2 runs, 3 latent; -1: samples) and a step its grids
    // are pinned to (-1: each follows its newest).
    std::vector<SavedCompareRun> compare;
    SavedCompareRun compare_own;  // the label, colour and visibility of the window's own run in the comparison
    int compare_tab = -1;
    int64_t compare_at_step = -1;
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

    RunView& model() { return m_view; }  // the run as the modules see it
    void set_damage_tracking(bool on) { m_options.damage_tracking = on; }
    GlContext& context() { return *m_context; }
    RunSource& source() { return *m_run; }  // what the window shows: see viewer/sources/run_source.h
    // The feature modules (viewer/features), for tests and benchmarks.
    TrainingModule& training() { return m_training; }
    SamplesModule& samples() { return m_samples; }
    CurvesModule& curves() { return m_curves; }
    ExplorerModule& explorer() { return m_explorer; }
    InterpolationModule& interpolation() { return m_interpolation; }
    DatasetModule& dataset() { return m_dataset; }
    HistoryModule& history() { return m_history; }
    InspectModule& inspect() { return m_inspect; }
    NearestModule& nearest() { return m_nearest; }
    ProjectModule& project() { return m_project; }
    RecordModule& record() { return m_record; }
    TranslateModule& translate() { return m_translate; }
    PerformanceModule& performance() { return m_performance; }
    CompareModule& compare() { return m_compare; }
    LatentWorker* worker() { return m_latent.worker(); }
    const FrameStats& frame_stats() const { return m_stats; }
    // GL-thread time taking in each grid the window's own run published (ms, one a publish, oldest first): the
    // frame's source and module updates before drawing, less the Compare module's (bench viewer --runs).
    const std::vector<double>& own_publish_ms() const { return m_own_publish_ms; }
    // The View menu: a panel shown or hidden (kept in imgui.ini), and Reset layout (from the next frame).
    bool panel_open(const char* title) const;
    void set_panel_open(const char* title, bool open);
    void reset_layout() { m_reset_layout = true; }
    // Writes what the last frame drew to a PNG; returns the path.
    std::string save_screenshot(const std::string& path);
    // Where F12 and the menu put screenshots: --screenshot-dir, else screenshots/ in the run's output folder.
    std::string screenshot_folder() const;

private:
    void update_sources();       // app_update.cpp: the source's status and weights, then every module's update
    void handle_shortcuts();     // app_layout.cpp
    void draw_ui();              // app_layout.cpp: menu bar, dock space and the panel windows
    void draw_alert_bar(const TrainerStatus& status);  // app_layout.cpp: the newest alert, under the menu bar
    void apply_default_layout(ImGuiID dockspace, bool latent_space);  // assets/dock_layout.h into the dock space
    void register_settings();    // which panels are hidden, kept in imgui.ini

    AppOptions m_options;
    std::unique_ptr<GlContext> m_context;
    std::string m_ini_path;      // kept alive: ImGui holds the pointer
    bool m_imgui_glfw = false, m_imgui_gl = false;

    std::unique_ptr<RunSource> m_run;
    RunView m_view;
    uint64_t m_seen_status = 0, m_seen_weights = 0, m_seen_own_grids = 0;
    std::vector<double> m_own_publish_ms;
    bool m_announced = false;    // the source's first real status went to the modules

    // The modules, in the order they update (a module may read those before it: Dataset and History the
    // Samples grid, History and Record the explorer's latent). LatentLinks connect Samples, Explorer and
    // Interpolation without them holding each other.
    LatentLinks m_links;
    LatentService m_latent;      // the generator thread of the latent-space modules
    TrainingModule m_training;
    SamplesModule m_samples{m_links};
    CurvesModule m_curves;
    ExplorerModule m_explorer{m_latent, m_links};
    InterpolationModule m_interpolation{m_latent, m_links};
    DatasetModule m_dataset{m_samples.grid()};
    HistoryModule m_history{m_samples.grid(), m_explorer.model(), m_links};
    RecordModule m_record{m_explorer.model()};
    TranslateModule m_translate;
    PerformanceModule m_performance;
    InspectModule m_inspect{m_explorer.model()};
    NearestModule m_nearest;
    ProjectModule m_project{m_links};
    CompareModule m_compare{&m_explorer.model(), &m_interpolation.model()};
    std::vector<Module*> m_modules;
    bool m_add_run = false;        // File > Add run chosen: its dialog opens this frame
    bool m_project_image = false;  // File > Project image chosen: its dialog opens this frame
    bool m_compare_shown = false;  // the Compare panel was shown last frame (it takes the front when it appears)

    FrameStats m_stats;
    DamageTracker m_damage;
    double m_last_frame_time = -1;
    bool m_reset_layout = false;
    std::vector<std::string> m_hidden;              // panels closed by the user (View menu brings them back)
    std::string m_layout_kind;                      // "latent" or "translate": the kind the dock layout is for
    int64_t m_alerts_dismissed = 0;                 // the run's alert count when the alert bar was last dismissed
    std::vector<std::string> m_focus_after_layout;  // panels to bring to the front of their dock nodes
    int m_focus_frames = 0;  // frames left to insist on them (a panel that appears later takes the front on appearing)
    bool m_show_demo = false;
    std::vector<uint8_t> m_last_pixels;
};

// Where the window keeps its layout: $XDG_CONFIG_HOME/ganscope/imgui.ini (or ~/.config/...); empty if neither.
std::string default_ini_path();

}  // namespace ganscope
