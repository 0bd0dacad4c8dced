// A feature module of the window: one feature (Training, Samples, Curves, Explorer, Interpolation, Dataset,
// History, Record, Translate, Performance) with its own model, workers, textures and counters, and the panel that
// draws that model. The App composes the modules and a run source; it calls them on the GL thread, each frame:
//   update   the source's and the module's workers' results into its model and textures (before drawing)
//   draw     the panel, inside the window (or tab) the App lays out for it
//   request  the panel's edits into worker requests (after drawing)
//   apply    the panel's intents into run commands and files (after the frame is presented)
// A module never reaches into another's model; what crosses modules is explicit: a const reference given at
// construction (the Dataset tab shows the Samples grid beside its page) or LatentLinks (models.h).
#pragma once

#include <memory>

#include "ml/train/trainer.h"
#include "viewer/modules/models.h"
#include "viewer/sources/run_source.h"
#include "viewer/window/tensor_texture.h"

namespace ganscope {

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

// How a panel sees a module's texture (panels make no GL calls).
inline ImageRef image_of(const TensorTexture& t) { return {t.imgui_id(), t.width(), t.height()}; }
inline ImageRef image_of(const GridTexture& t) { return {t.imgui_id(), t.width(), t.height()}; }

}  // namespace ganscope
