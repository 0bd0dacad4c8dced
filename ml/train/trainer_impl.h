// Trainer::Impl: everything the trainer thread owns, shared by the files that define its parts: trainer.cpp (setup,
// the step, publishing), trainer_files.cpp (the run folder: metrics, samples, checkpoints, history, TensorBoard)
// and trainer_dist.cpp (the process group). Private to ml/; only the trainer thread touches an Impl.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ml/run/checkpoint.h"
#include "ml/data/dataset.h"
#include "ml/train/device.h"
#include "ml/train/distributed.h"
#include "ml/run/history.h"
#include "ml/metrics/nearest.h"
#include "ml/train/fid_quality.h"
#include "ml/train/quality.h"
#include "ml/run/run_folder.h"
#include "ml/run/tensorboard.h"
#include "ml/train/trainer.h"

namespace ganscope {

using Clock = std::chrono::steady_clock;

struct Trainer::Impl {
    Trainer& owner;
    TrainConfig config;
    torch::Device device{torch::kCPU};
    std::unique_ptr<GanTask> task;
    std::shared_ptr<ImageSource> source;
    std::unique_ptr<BatchLoader> loader;
    TrainerStatus status;
    std::string checkpoint_path;
    std::ofstream metrics_file;
    int64_t step = 0;
    int steps_pending = 0;
    bool poisoned = false;  // weights went non-finite: never checkpoint them
    torch::Tensor stats_sum;
    int64_t stats_count = 0;
    Clock::time_point run_start = Clock::now(), window_start = Clock::now();
    int64_t window_images = 0, window_steps = 0;
    std::optional<Clock::time_point> paused_at;  // since when the run has been paused, while it is
    double seconds_offset = 0;  // wall time of earlier processes of this run (resume)
    std::unique_ptr<HistoryWriter> history;   // generator snapshots in run_dir/history
    std::unique_ptr<RunLock> run_lock;        // one writer per run folder
    std::vector<std::string> scan_skipped;    // "file: reason" of images the folder scan refused
    int64_t skipped_reported = 0;

    // Quality: the metric, the record it adds to the next log line, and publishing by the clock.
    std::unique_ptr<QualityMetric> quality;  // built at the first evaluation (reals are read then)
    std::optional<QualityRecord> pending_quality;
    bool quality_off = false;                // the metric failed once: reported, training goes on without it
    Clock::time_point last_grid = Clock::now(), last_weights = Clock::now(), last_history = Clock::now();
    bool clock_due(Clock::time_point last, double seconds) const {
        return seconds > 0 && std::chrono::duration<double>(Clock::now() - last).count() >= seconds;
    }
    void evaluate_quality();
    // FID and KID (config.fid_every): the metric, the record the next log line carries; off after one failure.
    std::unique_ptr<FidMetric> fid;
    std::optional<FidRecord> pending_fid;
    bool fid_off = false;
    void evaluate_fid();

    // Alerts: the detectors, the spread of a real batch the samples' diversity is measured against (computed
    // once), the diversity the next log record carries, and what an alert asks of the run loop.
    AlertDetector alert_detector;
    double real_spread = std::nan("");
    double pending_diversity = std::nan("");
    bool alert_pause = false, alert_stop = false;
    void measure_diversity(const torch::Tensor& samples);
    // Copying (ml/metrics/nearest.h): the index of the training images, built beside training from the first grid
    // on (off, said once, for distributed runs, a set over kCopyingMaxBytes, or when it fails), the score the next
    // log record carries. `last`: the run's final grid, which waits for the index so the run ends with a score.
    std::unique_ptr<NearestIndex> nearest;
    std::atomic<bool> nearest_cancel{false};  // set when the trainer ends: a long first read stops
    std::future<std::pair<std::unique_ptr<NearestIndex>, double>> nearest_building;  // the index, its typical distance
    double typical_distance = std::nan("");
    double pending_copying = std::nan("");
    bool copying_off = false;
    void measure_copying(const torch::Tensor& samples, bool last);
    ~Impl() { nearest_cancel = true; }  // before the members go: the future waits for the build to stop
    // Reports each (status, terminal message, run_dir/alerts.jsonl, TensorBoard text, --alert-command) and sets
    // alert_pause / alert_stop as --on-alert asks.
    void raise_alerts(const std::vector<Alert>& alerts);

    // Distributed training: the process group and the gradient buckets; null when training alone.
    std::unique_ptr<DistGroup> dist;
    std::unique_ptr<GradientBuckets> buckets;
    std::string checkpoint_bytes;  // a distributed resume: the checkpoint as rank 0 sent it
    int64_t steps_here = 0;        // steps trained by this process (the allreduce mean's denominator)
    // TensorBoard events beside metrics.jsonl, the learning-rate schedule, kept checkpoints.
    std::unique_ptr<EventFileWriter> events;
    double lr_factor_applied = std::nan("");  // NaN: apply before the next step (after a load or a new base rate)
    int64_t kept_epoch = -1;                  // the epoch whose checkpoint was kept last

    explicit Impl(Trainer& t) : owner(t) {}
    bool lead() const { return !dist || dist->rank() == 0; }
    // Only rank 0 writes the run folder; the others see none.
    const std::string& run_dir() const {
        static const std::string none;
        return lead() ? owner.m_options.run_dir : none;
    }

    void publish();

    // The count and the first few in the status line, all of them in run_dir/skipped.txt.
    void report_skipped();
    void set_state(TrainerState state);
    // A routine message (a periodic checkpoint) is one a terminal may say rarely (TrainerStatus::message_routine).
    void message(const std::string& text, bool routine = false);
    void setup();

    // The explorer's weights slot and the run's history share one snapshot copy.
    void publish_weights(bool for_explorer);
    // The last step of a run always goes into the history, so timelapses end where training did.
    void write_final_history();
    void write_history(const WeightsSnapshot& snapshot, int64_t epoch);
    void make_loader(LoaderPosition position);
    void open_run_dir(bool resume);
    void check_fixed_latents_file();  // on resume

    // A new event file per process. A fresh run removes event files an earlier run left in the folder (as
    // it truncates metrics.jsonl); a resumed one starts with a SessionLog START after its checkpoint's step, so
    // TensorBoard drops what the earlier process logged past it.
    void open_events(bool resume);
    void note_events_error();

    // The schedule's rate for the step about to run; set on the task only when the factor changes.
    void apply_lr_schedule();

    // Every keep_every_epochs epochs (when the loader has just finished one), a checkpoint of its own.
    bool kept_checkpoint_due() const;
    void keep_checkpoint();

    // write_file: also samples/step_N.png (on the step cadence; grids published by the clock only go to the slot);
    // to_events: and into the TensorBoard events (not again for a step an earlier process logged).
    // `images`: the task's render_samples() when the caller has them already (undefined: rendered here).
    void publish_samples(bool write_file = true, bool to_events = true, torch::Tensor images = {});
    void save_checkpoint(const char* why);
    void revert();

    // Reads the accumulated stats back (one host sync) and logs them. Returns false if they are not finite.
    bool log_metrics();
    void train_one_step();
    void after_step();

    // Distributed training ---------------------------------------------------------------------
    torch::Device dist_device(torch::Device d) const;
    void join_group();

    // Rank 0 reads the checkpoint and sends its bytes: other machines may not see its disk.
    std::string share_checkpoint(const std::string& path);

    // The run's world size; a resume with another one continues from the same global data position.
    void reshard(CheckpointMeta& meta, bool resume);
    void restore_streams(const CheckpointMeta& meta);

    // Rank 0's commands, applied by every rank at the same step boundary; returns whether the stop abandons
    // (no final checkpoint). Changing the batch size or reverting is refused while distributed.
    bool agree(Commands& c, bool abandon);
};

}  // namespace ganscope
