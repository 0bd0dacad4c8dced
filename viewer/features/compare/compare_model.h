// Compare: several runs in one window, as plain values the Compare panel reads and writes. Each run is a run source
// of its own (the window's own, steered where it can be, and any number followed read-only); the module keeps
// their metrics, grids and status here. GL thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ml/config.h"
#include "ml/run/metrics.h"
#include "ml/train/trainer.h"
#include "viewer/widgets/image_ref.h"

namespace ganscope {

// One run of the comparison.
struct CompareRun {
    std::string what;      // the path or address it was opened from
    std::string label;     // its legend name (renamable)
    uint32_t color = 0;    // ImU32: the same colour in every plot, grid frame and table row
    bool visible = true;   // hidden: left out of curves and grids, kept in the table
    bool primary = false;  // the window's own source: the Training panel steers it where it can be steered
    bool steered = false;  // the window's own and it takes commands (a trainer here, a served run with its token)
    std::string kind;      // "training", "opened", "following" (RunSource::kind)
    std::shared_ptr<const TrainerStatus> status;
    std::optional<TrainConfig> config;
    MetricsHistory metrics;
    std::string state;        // "running", "stopped", "finished", "paused", "failed: ...", "gone", "starting"
    int64_t last_update = 0;  // seconds since the epoch of its newest record (its file's time for a folder)
    // Grids: the newest published one, and the steps this run keeps (samples/step_*.png) or has shown.
    int64_t live_step = -1;
    std::vector<int64_t> kept_steps;  // ascending
    int64_t shown_step = -1;          // the grid on screen now (-1: none yet)
    ImageRef grid;                    // its texture
    // Where the grid was drawn in the last frame (framebuffer pixels), for tests that read the pixels back.
    float grid_x = 0, grid_y = 0, grid_w = 0, grid_h = 0;
    // The Latent tab: the window's latent through this run's generator.
    ImageRef latent_image;     // its texture; empty until rendered
    int64_t latent_step = -1;  // the step of the weights it was rendered with
    std::string latent_note;   // one line when it shows none: another latent size, no latent space, no weights yet
    float latent_x = 0, latent_y = 0, latent_w = 0, latent_h = 0;  // where it was drawn (framebuffer pixels)
};

enum class CompareAxis { Step, Images, Seconds };

struct CompareModel {
    std::vector<CompareRun> runs;
    CompareAxis axis = CompareAxis::Step;
    float smoothing = 0.6f;
    bool pinned = false;  // false: every grid follows its run's newest; true: all at pin_step
    int64_t pin_step = 0;
    bool all_keys = false;  // the config table: every key, not only the differing ones
    int tab = -1;           // intent: bring a tab to the front (0 samples, 1 curves, 2 runs, 3 latent)
    // The Latent tab: which latent goes through every run's generator, and what the images on screen show.
    bool latent_frame = false;     // the Interpolation's current frame instead of the explorer's latent
    bool latent_tab_open = false;  // the panel drew the tab last frame: only then are latents rendered
    std::string latent_what;       // "the explorer's latent", "interpolation frame 3 of 8"; empty: there is none
    std::string latent_none;       // why there is none, when latent_what is empty
    bool latent_current = false;   // the images on screen are of the latent as it is now (not an earlier one)
    double latent_ms = 0;          // the worker's last pass over every run
    std::string message;           // the latest one-line message (a path that is not a run, ...)

    // Intents the module carries out after the frame.
    struct Add {
        std::string what, token;
    };
    std::vector<Add> add;
    int remove = -1;       // index of a run to close
    bool changed = false;  // the set, a label, a colour or visibility changed: save it
};

}  // namespace ganscope
