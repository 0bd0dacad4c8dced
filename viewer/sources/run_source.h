// The one interface through which the window sees a run, wherever it trains: a trainer in this process, a
// checkpoint on disk, a run folder that another process writes. Created, read and commanded from the GL thread;
// every source does its slow work (training, reading files) on its own thread and publishes into slots.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ml/run/metrics.h"
#include "ml/slot.h"
#include "ml/data/image.h"
#include "ml/train/run_command.h"
#include "ml/train/trainer.h"
#include "viewer/sources/dataset_pages.h"

namespace ganscope {

// What a source can do, so the window asks for capabilities instead of comparing model names.
struct RunCapabilities {
    bool commands = false;     // takes training commands (pause, step, save, learning rates, ...)
    bool writes_run = false;   // saves into a run folder (checkpoints, samples)
    bool live = false;         // new grids, metrics and snapshots keep coming (a run trains somewhere)
};

class RunSource {
public:
    virtual ~RunSource() = default;

    // "runs/emoji", "runs/emoji/checkpoint.pt", ...: what the window shows, for its title and panels.
    virtual std::string name() const = 0;
    // "training", "opened", "following": how the run reaches us, one word.
    virtual std::string kind() const = 0;
    virtual RunCapabilities capabilities() const = 0;
    // The run folder when there is one (history snapshots, recordings' default place); empty otherwise.
    virtual std::string run_dir() const = 0;

    // What the run publishes, newest value wins (ml/slot.h). The config in the status is the run's.
    virtual const LatestSlot<TrainerStatus>& status() const = 0;
    virtual const LatestSlot<SampleGrid>& samples() const = 0;
    virtual const LatestSlot<WeightsSnapshot>& weights() const = 0;
    // Metric records with a step after `after_step`, oldest first: a reader keeps its own copy and asks only for
    // what is new (after_step = -1: everything the source still holds, possibly thinned).
    virtual std::vector<StepMetrics> metrics_since(int64_t after_step) const = 0;

    // Pages of the run's real training images, read where the data is (here: the config's data; a served run: its
    // server). The object outlives the source and may be used from any thread.
    virtual std::shared_ptr<DatasetPages> dataset(const TrainConfig& config) const { return make_local_dataset_pages(config); }
    // Translation on the run's side, for a source whose model is elsewhere (a served pix2pix run): any size in, the
    // output at the model's size; throws std::runtime_error with one line. Empty (the default): the window
    // translates with the generator snapshots the source publishes. Outlives the source; any thread.
    using RemoteTranslate = std::function<Image(const Image&)>;
    virtual RemoteTranslate remote_translate() const { return {}; }

    // Whether the source has lost its run for now: a served run whose server cannot be reached (it keeps what it
    // received, shows its last status and retries). Sources that read files or train here never do. Any thread.
    virtual bool disconnected() const { return false; }

    // Queues a command; returns "" when taken, else one line saying why not (a read-only source).
    virtual std::string command(const RunCommand& command) = 0;
    // The window closes: a training source stops (and saves); the others let go of their threads.
    virtual void close() {}
};

// A run that trains in this process: owns the Trainer (`ganscope`, `ganscope train`).
std::unique_ptr<RunSource> make_local_run(TrainerOptions options);
// The same face for a Trainer the caller owns and outlives the source (`ganscope train --headless --serve`).
std::unique_ptr<RunSource> make_trainer_source(Trainer& trainer, const std::string& run_dir);
// A checkpoint, opened on the source's own thread (`ganscope --open FILE`): read-only; its run folder's
// metrics.jsonl gives the curves. Failures show in the status (state Failed, error).
std::unique_ptr<RunSource> make_checkpoint_source(const std::string& path);
// A run folder that another process writes (`ganscope watch runs/NAME`), followed by polling so it works on
// network file systems too: metrics as lines complete, the newest sample grid and history snapshot. Read-only.
std::unique_ptr<RunSource> make_folder_source(const std::string& run_dir, double poll_seconds = 0.25);

// What a path or address given for a run is (`ganscope compare`, File > Add run): "" when it is one this window can
// open (a run folder with its config.json, a checkpoint file, http://HOST:PORT), else one line saying why not.
std::string run_path_problem(const std::string& what);
// The source for it: a followed folder, an opened checkpoint, or a served run (token: to steer it). Throws
// std::runtime_error with run_path_problem's line when it is none of these.
std::unique_ptr<RunSource> open_run_source(const std::string& what, const std::string& token = "",
                                           double poll_seconds = 0.25);

}  // namespace ganscope
