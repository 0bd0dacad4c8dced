// A feature module of the window: one feature (Training, Samples, Curves, Explorer, Interpolation, Dataset,
// History, Record, Translate, Performance) with its own model, workers, textures and counters, and the panel that
// draws that model. The App composes the modules and a run source; it calls them on the GL thread, each frame:
//   update   the source's and the module's workers' results into its model and textures (before drawing)
//   draw     the panel, inside the window (or tab) the App lays out for it
//   request  the panel's edits into worker requests (after drawing)
//   apply    the panel's intents into run commands and files (after the frame is presented)
// A module never reaches into another's model; what crosses modules is explicit: a const reference given at
// construction (the Dataset tab shows the Samples grid beside its page) or LatentLinks (below).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "ml/train/trainer.h"
#include "viewer/sources/run_source.h"
#include "ml/config.h"

namespace ganscope {

// Intents that cross modules: a latent sent to the explorer or to one end of the interpolation, an image to the
// Nearest panel. The App connects them to those modules; unset where the run has no latent space.
struct LatentLinks {
    std::function<void(const torch::Tensor& latent, const std::string& from)> explore;
    std::function<void(int end, const torch::Tensor& latent)> interpolate;  // end 0: A, 1: B
    // An image (3 x H x W in [-1, 1]) sent to the Nearest panel, which finds its nearest training images.
    std::function<void(const torch::Tensor& image, const std::string& from)> nearest;
};

// What every module may read: the run as its source describes it, and the window's shared state.
struct RunView {
    RunCapabilities run;               // what the source can do (commands: a trainer in this process)
    std::string run_kind;              // "training", "opened", "following" (RunSource::kind)
    std::string source;                // what we show: run folder or checkpoint
    std::shared_ptr<const TrainerStatus> status;
    std::optional<TrainConfig> config;  // the run's resolved configuration, once known
    int latent_dim = 0, image_size = 0;

    bool screenshot = false;           // intent: write the window to PNG after this frame
    int samples_tab = -1;              // intent: bring a Samples tab to the front (0 fakes, 1 dataset, 2 history)
    int monitor_tab = -1;              // intent: bring a lower-left tab to the front (0 performance, 1 record)
    std::string notice;                // one line for the status bar (saved screenshot, errors)
    double notice_until = 0;
    double time = 0;                   // seconds since start (ImGui time)
    float delta_time = 0;              // seconds since the last frame (ImGui's)
    uint64_t frame = 0;                // frames drawn so far
    void notify(const std::string& text, double seconds = 4.0) {
        notice = text;
        notice_until = time + seconds;
    }
};

class Module {
public:
    virtual ~Module() = default;
    virtual const char* title() const = 0;                    // its window's or tab's title
    virtual bool shown(const RunView&) const { return true; }  // whether this run has the feature
    virtual bool busy() const { return false; }  // at work the user should see with its tab behind (a dot)
    // The source's first status that carries the run's configuration.
    virtual void on_run_known(RunView&, const TrainerStatus&) {}
    virtual void update(RunView&, RunSource&) {}
    virtual void draw(RunView&) = 0;
    virtual void request(RunView&) {}
    virtual void apply(RunView&, RunSource&) {}
    virtual void shutdown() {}  // workers stop and textures go, while the GL context is current
};


}  // namespace ganscope
