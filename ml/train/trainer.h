// The background trainer: one thread alone owns the models, optimisers and data loader. Callers send
// commands (never blocking on a step) and read what it publishes through latest-wins slots.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "ml/config.h"
#include "ml/train/distributed.h"
#include "ml/models/gan_task.h"
#include "ml/run/metrics.h"
#include "ml/train/alerts.h"
#include "ml/slot.h"
#include "ml/train/run_command.h"

namespace ganscope {

enum class TrainerState { Starting, Running, Paused, Finished, Failed };
const char* to_string(TrainerState state);

struct TrainerStatus {
    TrainerState state = TrainerState::Starting;
    TrainConfig config;             // as resolved on the trainer thread (image size, device)
    std::string device;             // "cpu" or "cuda:0"
    std::string run_dir;
    std::string data_description;
    int64_t step = 0;
    int64_t epoch = 0;
    int64_t total_steps = 0;        // 0: open-ended
    int64_t batches_per_epoch = 0;
    int64_t dataset_size = 0;
    int64_t skipped_files = 0;
    double lr_g = 0, lr_d = 0;
    int batch_size = 0;
    StepMetrics last;               // the latest logged metrics
    double step_ms = 0;             // mean wall time of a training step over the last log window
    double eta_seconds = -1;        // -1 when unknown or open-ended
    std::string message;            // latest informational line (checkpoint saved, data notes, ...)
    bool message_routine = false;   // it is routine (a periodic checkpoint): a terminal may say it rarely
    std::string error;              // why training paused or failed; empty when all is well
    // Distributed training: the backend ("gloo", "nccl"; empty alone) and the mean time a step of
    // this process spent averaging gradients (as of the last log).
    std::string dist_backend;
    double allreduce_ms = 0;
    // The rates the learning-rate schedule gives the next step (lr_g / lr_d above are the base rates).
    double lr_g_now = 0, lr_d_now = 0;
    double lr_g_optimizer = 0, lr_d_optimizer = 0;  // what the optimisers hold now (the last applied schedule)
    std::vector<Alert> alerts;  // raised so far (this run's alerts.jsonl), oldest first, at most the last 100
    int64_t alerts_raised = 0;  // how many in all: a reader's count of those it has said tells it the new ones
};

struct SampleGrid {
    int64_t step = 0;
    int64_t epoch = 0;
    torch::Tensor images;                // N x 3 x H x W in [-1, 1], on the training device
    std::shared_ptr<c10::Event> ready;   // recorded on the producing stream (CUDA); null on the CPU
    // The cells assembled for display by the producer, so no reader tiles them on the GL thread:
    // 3 x H' x W' in [-1, 1], `columns` cells wide with `padding`-pixel gutters (ml/data/tensor_image.h).
    torch::Tensor grid;
    int columns = 0, padding = 0;
    torch::Tensor latents;               // N x L on the CPU: the fixed latents behind the cells; undefined for pix2pix
    bool by_clock = false;               // published because publish_seconds passed, between step-cadence grids
};

struct TrainerOptions {
    TrainConfig config;
    std::string run_dir;        // where config, metrics, samples and checkpoints go; empty: nothing written
    bool resume = false;        // continue the checkpoint in run_dir (config comes from it; steps may change)
    int64_t extra_steps = -1;   // on resume: train this many more steps (-1: keep the config's total)
    // On resume: base learning rates that replace the checkpoint's (--lr, --lr-g, --lr-d given with --resume).
    std::optional<double> resume_lr_g, resume_lr_d;
    bool start_paused = false;
    // With resume, the checkpoint to continue from (--from FILE: a path, or a name in the run folder or its
    // checkpoints/); empty: run_dir/checkpoint.pt.
    std::string resume_from;
    // Builds the task; empty: make_task from ml/models/task_factory.h. Lets tests and tools wrap or replace the model.
    std::function<std::unique_ptr<GanTask>(const TrainConfig&, torch::Device)> make_task;

    // Distributed training: this process's rank. World size 1 (the default) trains alone; otherwise
    // rank 0 alone writes run_dir and its commands are applied by every rank at the same step.
    DistOptions dist;
    int threads = 0;  // libtorch CPU threads; 0: the machine's cores shared among the ranks on this machine
    // Alerts (ml/train/alerts.h): what an alert does to the run besides being reported ("none", "pause", "stop"),
    // and a command run with the alert as JSON on its standard input (rank 0; not kept in config.json, so a
    // resumed stranger's folder cannot bring one).
    std::string on_alert = "none";
    std::string alert_command;
    // The Inception weights for config.fid_every (ml/metrics/inception_features.h fid_weights_path: empty looks
    // in GANSCOPE_FID_WEIGHTS, then the config folder). A machine's path, so not in config.json.
    std::string fid_weights;
};

class Trainer {
public:
    explicit Trainer(TrainerOptions options);
    ~Trainer();  // stops the thread (no checkpoint written by destruction alone)
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Commands: queued, applied by the trainer thread at the next step boundary.
    void start();                 // run (or continue) until paused, stopped or total steps reached
    void pause();
    void step(int count = 1);     // while paused: run `count` steps, then pause again
    void stop();                  // write a final checkpoint (when a run dir is set) and end the thread
    void save();                  // write a checkpoint now
    void revert_to_checkpoint();  // reload the last good checkpoint (after a NaN, say), paused
    // Any RunCommand, checked by command_problem first: returns why it is refused (one line), or empty when queued.
    // Learning rates become the run's base rates (the schedule scales them from the next step on).
    std::string command(const RunCommand& command);
    void request_weights();       // publish a generator snapshot at the next step boundary

    // Blocks until the thread has ended (finished, stopped or failed) or the timeout passes.
    bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

    const LatestSlot<TrainerStatus>& status() const { return m_status; }
    const LatestSlot<SampleGrid>& samples() const { return m_samples; }
    const LatestSlot<WeightsSnapshot>& weights() const { return m_weights; }
    std::vector<StepMetrics> history() const;  // a copy, taken under a short lock
    // The records logged after `after_step`, oldest first (-1: the whole history, thinned as history() is).
    // A reader that keeps its own copy asks for what is new; the copy under the lock is only that.
    std::vector<StepMetrics> metrics_since(int64_t after_step) const;

private:
    struct Impl;
    struct Commands;
    void thread_main();
    void enqueue(const std::function<void(Commands&)>& apply);
    void owner_weights(Impl& impl);

    TrainerOptions m_options;
    LatestSlot<TrainerStatus> m_status;
    LatestSlot<SampleGrid> m_samples;
    LatestSlot<WeightsSnapshot> m_weights;

    mutable std::mutex m_command_mutex;
    std::condition_variable m_command_cv;
    struct Commands {
        std::optional<bool> run;
        int steps = 0;
        bool stop = false, save = false, revert = false, weights = false;
        std::optional<std::pair<double, double>> lr;
        std::optional<int> batch_size;
    };
    Commands m_commands;
    bool m_abandon = false;  // destructor: stop without writing a checkpoint

    void keep_metrics(const StepMetrics& m);  // trainer thread: into the history and the recent records
    static constexpr size_t kRecentMetrics = 4096;
    mutable std::mutex m_history_mutex;
    MetricsHistory m_history;
    std::deque<StepMetrics> m_recent;  // the newest records, unthinned, for metrics_since

    std::mutex m_done_mutex;
    std::condition_variable m_done_cv;
    bool m_done = false;
    std::thread m_thread;
};

}  // namespace ganscope
