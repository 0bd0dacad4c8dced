// The trainer thread: setup, the step loop, commands, publishing, run-folder output. Only thread_main and the
// Impl it owns touch the task and the loader; the public methods only queue commands.
#include "ml/trainer.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ml/checkpoint.h"
#include "ml/dataset.h"
#include "ml/history.h"
#include "ml/run_folder.h"
#include "ml/quality.h"
#include "ml/kept_checkpoints.h"
#include "ml/lr_schedule.h"
#include "ml/tensorboard.h"
#include "ml/task_factory.h"
#include "ml/tensor_image.h"

namespace ganscope {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* to_string(TrainerState state) {
    switch (state) {
        case TrainerState::Starting: return "starting";
        case TrainerState::Running: return "running";
        case TrainerState::Paused: return "paused";
        case TrainerState::Finished: return "finished";
        case TrainerState::Failed: return "failed";
    }
    return "?";
}

namespace {

torch::Device resolve_device(const std::string& name) {
    if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    std::optional<torch::Device> device;
    try {
        device.emplace(name);
    } catch (const std::exception&) {
        throw std::invalid_argument("--device " + name + ": use auto, cpu or cuda[:N]");
    }
    if (device->is_cuda() && !torch::cuda::is_available())
        throw std::invalid_argument("--device " + name + ": no CUDA GPU is available here; use --device cpu");
    return *device;
}

std::string format_step(int64_t step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(step));
    return buf;
}

}  // namespace

// Everything the trainer thread owns.
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
    double seconds_offset = 0;  // wall time of earlier processes of this run (resume)
    std::unique_ptr<HistoryWriter> history;  // generator snapshots in run_dir/history (issue 5)
    std::unique_ptr<RunLock> run_lock;        // one writer per run folder (issue 19)
    std::vector<std::string> scan_skipped;    // "file: reason" of images the folder scan refused
    int64_t skipped_reported = 0;

    // Quality (issue 16): the metric, the record it adds to the next log line, and publishing by the clock.
    std::unique_ptr<QualityMetric> quality;  // built at the first evaluation (reals are read then)
    std::optional<QualityRecord> pending_quality;
    bool quality_off = false;                // the metric failed once: reported, training goes on without it
    Clock::time_point last_grid = Clock::now(), last_weights = Clock::now(), last_history = Clock::now();
    bool clock_due(Clock::time_point last, double seconds) const {
        return seconds > 0 && std::chrono::duration<double>(Clock::now() - last).count() >= seconds;
    }
    void evaluate_quality() {
        if (quality_off) return;
        try {
            if (!quality) quality = std::make_unique<QualityMetric>(config, source);
            pending_quality = quality->evaluate(*task);
        } catch (const std::exception& e) {
            quality_off = true;
            message(std::string("quality metric off for this run: ") + e.what());
        }
    }

    // Distributed training (issue 14): the process group and the gradient buckets; null when training alone.
    std::unique_ptr<DistGroup> dist;
    std::unique_ptr<GradientBuckets> buckets;
    std::string checkpoint_bytes;  // a distributed resume: the checkpoint as rank 0 sent it
    int64_t steps_here = 0;        // steps trained by this process (the allreduce mean's denominator)
    // issue 15: TensorBoard events beside metrics.jsonl, the learning-rate schedule, kept checkpoints.
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

    void publish() {
        status.step = step;
        status.epoch = loader ? loader->position().epoch : 0;
        status.batch_size = config.batch_size;
        status.lr_g = config.lr_g;
        status.lr_d = config.lr_d;
        status.lr_g_now = scheduled_lr(config, config.lr_g, step);  // issue 15
        status.lr_d_now = scheduled_lr(config, config.lr_d, step);
        status.config = config;
        if (loader) status.skipped_files = loader->skipped() + int64_t(scan_skipped.size());
        if (status.skipped_files != skipped_reported) report_skipped();
        if (status.total_steps > 0 && status.step_ms > 0)
            status.eta_seconds = double(status.total_steps - step) * status.step_ms / 1000.0;
        owner.m_status.publish(status);
    }

    // The count and the first few in the status line, all of them in run_dir/skipped.txt.
    void report_skipped() {
        skipped_reported = status.skipped_files;
        std::vector<std::string> lines = scan_skipped;
        if (loader)
            for (auto& name : loader->skipped_files(size_t(-1))) lines.push_back(std::move(name));
        std::string list;
        if (!run_dir().empty() && run_lock) {
            list = run_dir() + "/skipped.txt";
            try {
                write_skipped_list(list, lines);
            } catch (const std::exception&) {
                list.clear();  // the disk is full: the terminal line still counts and names them
            }
        }
        status.message = skipped_message(lines, list);
    }

    void set_state(TrainerState state) {
        status.state = state;
        publish();
    }

    void message(const std::string& text) {
        status.message = text;
        publish();
    }

    void setup() {
        const TrainerOptions& opt = owner.m_options;
        CheckpointMeta meta;
        config = opt.config;
        if (opt.dist.enabled()) join_group();  // first: on resume rank 0 sends the checkpoint through it
        if (!run_dir().empty()) {  // rank 0 alone has a run folder
            run_lock = std::make_unique<RunLock>(run_dir());  // before reading: a second writer is refused
            remove_stale_temp_files(run_dir());
        }
        if (opt.resume) {
            checkpoint_path = resume_checkpoint_path(opt.run_dir, opt.resume_from);  // issue 15: --from
            meta = dist ? read_checkpoint_meta_bytes(checkpoint_bytes = share_checkpoint(checkpoint_path), checkpoint_path)
                        : read_checkpoint_meta(checkpoint_path);
            if (!lead()) checkpoint_path.clear();
            const TrainConfig requested = config;
            config = meta.config;
            // What a resume may change: device, length, intervals, loader threads.
            config.device = requested.device;
            config.loader_workers = requested.loader_workers;
            if (opt.extra_steps >= 0) config.steps = meta.step + opt.extra_steps;
        }
        reshard(meta, opt.resume);
        config.validate();
        device = dist_device(resolve_device(config.device));
        if (config.image_size == 0)
            config.image_size = config.image_to_image() ? (device.is_cuda() ? 256 : 128) : (device.is_cuda() ? 64 : 32);
        if (device.is_cuda()) {
            at::globalContext().setBenchmarkCuDNN(true);
        } else {
            // Only when it changes: setting it rebuilds torch's CPU thread pool, which other threads (the
            // explorer's renders, a previous trainer's loader) may be using right now.
            const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
            const int threads = opt.threads > 0 ? opt.threads : std::max(1, cores / (dist ? std::max(1, opt.dist.local_world_size) : 1));
            if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
        }
        status.device = device.str();
        status.run_dir = run_dir();
        status.total_steps = config.steps;
        publish();

        source = make_source(config);
        status.data_description = source->description();
        status.dataset_size = int64_t(source->size());
        if (auto* folder = dynamic_cast<FolderSource*>(source.get()))
            for (const auto& [file, why] : folder->skipped()) scan_skipped.push_back(file + ": " + why);
        task = opt.make_task ? opt.make_task(config, device) : make_task(config, device);
        if (dist) {
            task->set_gradient_sync(buckets.get());
            seed_rank_streams(*task, config.seed, dist->rank());
        }
        if (opt.resume) {
            step = (dist ? load_checkpoint_bytes(checkpoint_bytes, opt.run_dir + "/checkpoint.pt", *task)
                         : load_checkpoint(checkpoint_path, *task)).step;
            checkpoint_bytes.clear();
            if (dist) restore_streams(meta);
        }
        if (dist) broadcast_task_state(*dist, *task);  // every rank starts from rank 0's weights
        make_loader(meta.position);
        status.batches_per_epoch = loader->batches_per_epoch();

        if (!run_dir().empty()) open_run_dir(opt.resume);
        publish_samples(true, /*to_events=*/!opt.resume);  // a resumed run's grid at its step is in the earlier events
        publish_weights(true);
    }

    // The explorer's weights slot and the run's history (issue 5) share one snapshot copy.
    void publish_weights(bool for_explorer) {
        const int64_t epoch = loader ? loader->position().epoch : 0;
        const bool for_history = history && !poisoned && history->last_step() != step &&
                                 (history->due(step, epoch) || clock_due(last_history, config.history_seconds));
        if (!for_explorer && !for_history) return;
        auto snapshot = std::make_shared<const WeightsSnapshot>(task->snapshot_generator(step));
        if (for_explorer) {
            owner.m_weights.publish(snapshot);
            last_weights = Clock::now();
        }
        if (for_history) write_history(*snapshot, epoch);
    }
    // The last step of a run always goes into the history, so timelapses end where training did.
    void write_final_history() {
        if (history && task && !poisoned && history->last_step() != step)
            write_history(task->snapshot_generator(step), loader ? loader->position().epoch : 0);
    }
    void write_history(const WeightsSnapshot& snapshot, int64_t epoch) {
        history->write(snapshot, epoch);
        last_history = Clock::now();
        if (std::string e = history->error(); !e.empty() && e != status.message) message(e);
    }

    void make_loader(LoaderPosition position) {
        LoaderOptions lo;
        lo.batch_size = config.batch_size;
        lo.workers = config.loader_workers;
        lo.prefetch_batches = config.prefetch_batches;
        lo.seed = config.seed;
        lo.rank = dist ? dist->rank() : 0;
        lo.world_size = dist ? dist->world_size() : 1;
        loader.reset();  // join the old workers first
        loader = std::make_unique<BatchLoader>(source, make_transform(config, true), lo, position);
    }

    void open_run_dir(bool resume) {
        std::error_code ec;
        fs::create_directories(run_dir() + "/samples", ec);
        if (ec) throw std::runtime_error(run_dir() + ": cannot create the run folder (" + ec.message() + "); choose a writable --out");
        checkpoint_path = run_dir() + "/checkpoint.pt";
        HistoryOptions history_options;
        history_options.every_steps = config.history_every;
        history = std::make_unique<HistoryWriter>(run_dir(), history_options);
        history->truncate_after(step);  // a resumed run drops snapshots past its checkpoint
        {
            std::ofstream cfg(run_dir() + "/config.json");
            cfg << config.to_json().dump(2) << "\n";
            if (!cfg) throw std::runtime_error(run_dir() + "/config.json: cannot write; choose a writable --out");
        }
        const std::string metrics_path = run_dir() + "/metrics.jsonl";
        if (resume) {
            for (const StepMetrics& m : rewrite_metrics_up_to(metrics_path, step)) {
                seconds_offset = std::isfinite(m.seconds) ? m.seconds : seconds_offset;
                owner.keep_metrics(m);
            }
        } else {
            std::ofstream(metrics_path, std::ios::trunc);
            // The sample grid's inputs are part of the checkpoint; also keep them beside it for other tools.
            const torch::Tensor fixed = task->fixed_latents();
            write_tensor_file(run_dir() + "/fixed_latents.pt", fixed.defined() ? fixed.cpu() : torch::empty({0}));
        }
        metrics_file.open(metrics_path, std::ios::app);
        if (!metrics_file) throw std::runtime_error(metrics_path + ": cannot write; choose a writable --out");
        open_events(resume);
    }

    // issue 15: a new event file per process. A fresh run removes event files an earlier run left in the folder (as
    // it truncates metrics.jsonl); a resumed one starts with a SessionLog START after its checkpoint's step, so
    // TensorBoard drops what the earlier process logged past it.
    void open_events(bool resume) {
        if (!resume)
            for (const auto& f : list_event_files(run_dir())) std::filesystem::remove(f);
        events = std::make_unique<EventFileWriter>(run_dir());
        if (resume) events->add_session_start(step + 1);
    }
    void note_events_error() {
        if (events && !events->error().empty() && status.message != events->error()) message(events->error());
    }

    // issue 15: the schedule's rate for the step about to run; set on the task only when the factor changes.
    void apply_lr_schedule() {
        const double f = lr_factor(config, step);
        if (f == lr_factor_applied) return;
        task->set_learning_rates(config.lr_g * f, config.lr_d * f);
        lr_factor_applied = f;
    }

    // issue 15: every keep_every_epochs epochs (when the loader has just finished one), a checkpoint of its own.
    bool kept_checkpoint_due() const {
        if (config.keep_every_epochs <= 0 || run_dir().empty()) return false;
        const LoaderPosition p = loader->position();
        return p.batch == 0 && p.epoch > 0 && p.epoch % config.keep_every_epochs == 0 && p.epoch != kept_epoch;
    }
    void keep_checkpoint() {
        const LoaderPosition p = loader->position();
        kept_epoch = p.epoch;
        if (poisoned) return;
        std::error_code ec;
        std::filesystem::create_directories(kept_checkpoint_dir(run_dir()), ec);
        const std::string path = kept_checkpoint_path(run_dir(), p.epoch);
        write_checkpoint(path, *task, {config, step, p});  // temp file + rename, as checkpoint.pt
        message("epoch " + std::to_string(p.epoch) + ": kept checkpoint saved at step " + std::to_string(step) + " to " + path);
    }

    // write_file: also samples/step_N.png (on the step cadence; grids published by the clock only go to the slot);
    // to_events: and into the TensorBoard events (not again for a step an earlier process logged).
    void publish_samples(bool write_file = true, bool to_events = true) {
        if (!lead()) return;  // nobody watches the other ranks
        last_grid = Clock::now();
        SampleGrid grid;
        grid.step = step;
        grid.epoch = loader->position().epoch;
        grid.images = task->render_samples();
        grid.columns = display_grid_columns(grid.images.size(0), config.image_to_image());
        grid.padding = kDisplayPadding;
        grid.grid = make_grid(grid.images, grid.columns, grid.padding, kDisplayGutter);
        if (const torch::Tensor fixed = task->fixed_latents(); fixed.defined()) grid.latents = fixed.cpu();
        grid.by_clock = !write_file;
        if (device.is_cuda()) {
            grid.ready = std::make_shared<c10::Event>(c10::DeviceType::CUDA);
            grid.ready->record(c10::Stream(c10::Stream::DEFAULT, device));
        }
        owner.m_samples.publish(grid);
        if (write_file && !run_dir().empty()) {
            const int columns = int(std::ceil(std::sqrt(double(grid.images.size(0)))));
            const Image image = tensor_to_image(make_grid(grid.images, columns));
            write_png(run_dir() + "/samples/step_" + format_step(step) + ".png", image);
            if (events && to_events) {  // issue 15
                events->add_image("samples", step, image);
                note_events_error();
            }
        }
    }

    void save_checkpoint(const char* why) {
        // Every rank takes part in a distributed save: its random streams go into rank 0's file (issue 14).
        const torch::Tensor streams = dist ? gather_rank_streams(*dist, *task) : torch::Tensor();
        if (checkpoint_path.empty()) return;
        if (poisoned) {
            message("not saving: the weights are not finite; the last good checkpoint is kept (" + checkpoint_path + ")");
            return;
        }
        write_checkpoint(checkpoint_path, *task, {config, step, loader->position(), streams});
        message(std::string(why) + " checkpoint saved at step " + std::to_string(step) + " to " + checkpoint_path);
    }

    void revert() {
        if (checkpoint_path.empty() || !fs::exists(checkpoint_path)) {
            message("no checkpoint to revert to yet");
            return;
        }
        auto meta = load_checkpoint(checkpoint_path, *task);
        step = meta.step;
        config.lr_g = meta.config.lr_g;
        config.lr_d = meta.config.lr_d;
        make_loader(meta.position);
        poisoned = false;
        status.error.clear();
        stats_sum = torch::Tensor();
        stats_count = 0;
        lr_factor_applied = std::nan("");  // issue 15
        if (events) events->add_session_start(step + 1);
        publish_samples(true, /*to_events=*/false);
        if (history) history->truncate_after(step);
        message("reverted to the checkpoint of step " + std::to_string(step));
    }

    // Reads the accumulated stats back (one host sync) and logs them. Returns false if they are not finite.
    bool log_metrics() {
        if (stats_count == 0) return true;
        double count = double(stats_count);
        if (dist) {  // the mean over every rank's steps (issue 14)
            dist->allreduce_sum({stats_sum});
            count *= dist->world_size();
            window_images *= dist->world_size();
            status.allreduce_ms = steps_here > 0 ? 1000.0 * buckets->allreduce_seconds() / double(steps_here) : 0;
        }
        auto mean = (stats_sum / count).to(torch::kCPU, torch::kFloat64);
        stats_sum = torch::Tensor();
        stats_count = 0;
        const double* v = mean.data_ptr<double>();
        const double elapsed = std::chrono::duration<double>(Clock::now() - window_start).count();
        StepMetrics m;
        m.step = step;
        m.epoch = loader->position().epoch;
        m.loss_g = v[kLossG];
        m.loss_d = v[kLossD];
        m.d_real = v[kDReal];
        m.d_fake = v[kDFake];
        m.loss_aux = v[kLossAux];
        m.images_per_sec = elapsed > 0 ? double(window_images) / elapsed : 0;
        m.seconds = seconds_offset + std::chrono::duration<double>(Clock::now() - run_start).count();
        if (pending_quality) {  // issue 16
            m.swd = pending_quality->swd;
            m.swd_levels = pending_quality->levels;
            m.val_l1 = pending_quality->val_l1;
            m.swd_seconds = pending_quality->seconds;
            pending_quality.reset();
        }
        m.lr_g = scheduled_lr(config, config.lr_g, step - 1);  // issue 15: the rate the logged step trained with
        m.lr_d = scheduled_lr(config, config.lr_d, step - 1);
        status.step_ms = window_steps > 0 ? 1000.0 * elapsed / double(window_steps) : 0;
        window_start = Clock::now();
        window_images = window_steps = 0;
        const bool finite = std::isfinite(m.loss_g) && std::isfinite(m.loss_d);
        status.last = m;
        owner.keep_metrics(m);
        if (metrics_file.is_open()) metrics_file << m.to_json().dump() << "\n" << std::flush;
        if (events) {  // issue 15
            events->add_metrics(m.to_json());
            note_events_error();
        }
        return finite;
    }

    void train_one_step() {
        apply_lr_schedule();  // issue 15
        LoadedBatch lb = loader->next();
        Batch batch;
        const bool cuda = device.is_cuda();
        batch.target = lb.target.to(device, /*non_blocking=*/cuda);
        if (lb.input.defined()) batch.input = lb.input.to(device, cuda);
        auto stats = task->train_step(batch);
        stats_sum = stats_sum.defined() ? stats_sum.add_(stats) : stats.clone();
        ++stats_count;
        ++step;
        if (dist) dist->set_step(step), ++steps_here;
        window_images += batch.target.size(0);
        ++window_steps;
    }

    void after_step() {
        bool logged = false;
        // Quality (issue 16): evaluated first, so this step's record carries it; its time is kept out of the
        // images/s of the log window.
        const bool quality_due = config.swd_every > 0 && step % config.swd_every == 0 && !quality_off;
        if (quality_due) {
            const auto t0 = Clock::now();
            evaluate_quality();
            window_start += Clock::now() - t0;
        }
        const bool keep_due = kept_checkpoint_due();  // issue 15
        // A checkpoint is only written after the losses were read back and found finite.
        if (step % config.log_every == 0 || step % config.checkpoint_every == 0 || quality_due || keep_due ||
            (config.steps > 0 && step >= config.steps)) {
            logged = true;
            if (!log_metrics()) {
                poisoned = true;
                status.state = TrainerState::Paused;
                status.error = "loss became non-finite (NaN or inf) by step " + std::to_string(step) +
                               "; training paused and the last good checkpoint" +
                               (checkpoint_path.empty() ? std::string() : " (" + checkpoint_path + ")") +
                               " is kept; lower the learning rate and revert or resume from it";
                steps_pending = 0;
                publish();
                return;
            }
        }
        if (step % config.sample_every == 0) publish_samples();
        else if (clock_due(last_grid, config.publish_seconds)) publish_samples(false);  // issue 16: by the clock
        publish_weights(step % config.snapshot_every == 0 || clock_due(last_weights, config.publish_seconds));
        if (step % config.checkpoint_every == 0) save_checkpoint("periodic");
        if (keep_due) keep_checkpoint();  // issue 15
        publish();
    }

    // Distributed training (issue 14) ---------------------------------------------------------------------
    torch::Device dist_device(torch::Device d) const {
        if (!owner.m_options.dist.enabled() || !d.is_cuda()) return d;
        const int count = std::max<int>(1, int(torch::cuda::device_count()));
        return torch::Device(torch::kCUDA, c10::DeviceIndex(owner.m_options.dist.local_rank % count));  // one GPU per local rank
    }

    void join_group() {
        dist = std::make_unique<DistGroup>(owner.m_options.dist, dist_device(resolve_device(config.device)));
        buckets = std::make_unique<GradientBuckets>(*dist);
        status.dist_backend = dist->backend_name();
    }

    // Rank 0 reads the checkpoint and sends its bytes: other machines may not see its disk.
    std::string share_checkpoint(const std::string& path) {
        std::string bytes;
        auto size = torch::full({1}, int64_t(-1), torch::kInt64);
        std::string error;
        if (lead()) {
            try {
                read_checkpoint_meta(path);  // the clear messages for a missing or damaged file
                std::ifstream in(path, std::ios::binary);
                bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
                size.fill_(int64_t(bytes.size()));
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        dist->broadcast({size});
        if (!error.empty()) throw std::runtime_error(error);
        if (size.item<int64_t>() < 0)
            throw DistError("rank " + std::to_string(dist->rank()) + ": rank 0 could not read " + path + " (it says why)");
        auto buffer = torch::empty({size.item<int64_t>()}, torch::kUInt8);
        if (lead()) std::memcpy(buffer.data_ptr(), bytes.data(), bytes.size());
        dist->broadcast({buffer});
        return std::string(static_cast<const char*>(buffer.data_ptr()), size_t(buffer.numel()));
    }

    // The run's world size; a resume with another one continues from the same global data position.
    void reshard(CheckpointMeta& meta, bool resume) {
        const int world = dist ? dist->world_size() : 1;
        config.world_size = world;
        if (!resume || meta.config.world_size == world) return;
        const int64_t consumed = meta.position.batch * int64_t(meta.config.batch_size) * meta.config.world_size;
        meta.position.batch = consumed / (int64_t(config.batch_size) * world);
        status.message = "warning: resuming a run of world size " + std::to_string(meta.config.world_size) + " with world size " +
                         std::to_string(world) + ": data continues from item " + std::to_string(consumed) + " of epoch " +
                         std::to_string(meta.position.epoch) + ", global batch now " + std::to_string(int64_t(config.batch_size) * world) +
                         ", so the run is no longer the same as an uninterrupted one";
    }

    void restore_streams(const CheckpointMeta& meta) {
        if (meta.config.world_size == dist->world_size() && meta.rank_streams.defined())
            restore_rank_streams(*task, meta.rank_streams, dist->rank());
        else
            seed_rank_streams(*task, config.seed + uint64_t(step), dist->rank());
    }

    // Rank 0's commands, applied by every rank at the same step boundary; returns whether the stop abandons
    // (no final checkpoint). Changing the batch size or reverting is refused while distributed.
    bool agree(Commands& c, bool abandon) {
        if (lead() && (c.batch_size || c.revert)) {
            message("the batch size and revert cannot change while training on " + std::to_string(dist->world_size()) + " ranks");
            c.batch_size.reset();
            c.revert = false;
        }
        auto t = torch::zeros({8}, torch::kFloat64);
        if (lead()) {
            double* v = t.data_ptr<double>();
            v[0] = c.stop;
            v[1] = c.save;
            v[2] = c.run ? (*c.run ? 1 : 0) : -1;
            v[3] = c.steps;
            v[4] = c.lr ? 1 : 0;
            v[5] = c.lr ? c.lr->first : 0;
            v[6] = c.lr ? c.lr->second : 0;
            v[7] = abandon;
        }
        torch::Tensor on_device = t.to(device);
        dist->broadcast({on_device});
        if (lead()) return abandon;
        t = on_device.cpu();
        const double* v = t.data_ptr<double>();
        const bool weights = c.weights;
        c = Commands{};
        c.weights = weights;  // this rank's own snapshot requests stay its own
        c.stop = v[0] != 0;
        c.save = v[1] != 0;
        if (v[2] >= 0) c.run = v[2] > 0;
        c.steps = int(v[3]);
        if (v[4] != 0) c.lr = std::make_pair(v[5], v[6]);
        return v[7] != 0;
    }
};

Trainer::Trainer(TrainerOptions options) : m_options(std::move(options)) {
    m_commands.run = !m_options.start_paused;
    m_thread = std::thread([this] { thread_main(); });
}

Trainer::~Trainer() {
    {
        std::lock_guard<std::mutex> lock(m_command_mutex);
        m_commands.stop = true;
        m_abandon = true;
    }
    m_command_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void Trainer::start() { command([](Commands& c) { c.run = true; }); }
void Trainer::pause() { command([](Commands& c) { c.run = false; }); }
void Trainer::step(int count) { command([count](Commands& c) { c.steps += std::max(0, count); }); }
void Trainer::stop() { command([](Commands& c) { c.stop = true; }); }
void Trainer::save() { command([](Commands& c) { c.save = true; }); }
void Trainer::revert_to_checkpoint() { command([](Commands& c) { c.revert = true; }); }
void Trainer::request_weights() { command([](Commands& c) { c.weights = true; }); }
void Trainer::set_learning_rates(double lr_g, double lr_d) {
    command([=](Commands& c) { c.lr = std::make_pair(lr_g, lr_d); });
}
void Trainer::set_batch_size(int batch_size) { command([=](Commands& c) { c.batch_size = batch_size; }); }

void Trainer::command(const std::function<void(Commands&)>& apply) {
    {
        std::lock_guard<std::mutex> lock(m_command_mutex);
        apply(m_commands);
    }
    m_command_cv.notify_all();
}

bool Trainer::wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_done_mutex);
    if (timeout == std::chrono::milliseconds::max()) {
        m_done_cv.wait(lock, [&] { return m_done; });
        return true;
    }
    return m_done_cv.wait_for(lock, timeout, [&] { return m_done; });
}

std::vector<StepMetrics> Trainer::history() const {
    std::lock_guard<std::mutex> lock(m_history_mutex);
    return m_history.records();
}

std::vector<StepMetrics> Trainer::metrics_since(int64_t after_step) const {
    std::lock_guard<std::mutex> lock(m_history_mutex);
    if (after_step < 0) return m_history.records();
    // Only the new records are copied under the lock the trainer takes when it logs.
    auto first = m_recent.end();
    while (first != m_recent.begin() && std::prev(first)->step > after_step) --first;
    return std::vector<StepMetrics>(first, m_recent.end());
}

void Trainer::keep_metrics(const StepMetrics& m) {
    std::lock_guard<std::mutex> lock(m_history_mutex);
    m_history.push(m);
    m_recent.push_back(m);
    if (m_recent.size() > kRecentMetrics) m_recent.pop_front();
}

void Trainer::thread_main() {
    Impl impl(*this);
    auto finish = [&](TrainerState state) {
        // Files first (queued history snapshots, metrics), then the folder's lock, then "done": whoever
        // waits for this trainer may start the next writer of the folder at once.
        impl.history.reset();
        impl.metrics_file.close();
        impl.run_lock.reset();
        impl.status.state = state;
        impl.publish();
        std::lock_guard<std::mutex> lock(m_done_mutex);
        m_done = true;
        m_done_cv.notify_all();
    };
    try {
        impl.setup();
    } catch (const std::exception& e) {
        impl.status.error = e.what();
        finish(TrainerState::Failed);
        return;
    }
    bool running = false;
    impl.set_state(TrainerState::Paused);
    for (;;) {
        Commands c;
        bool abandon = false;
        {
            std::unique_lock<std::mutex> lock(m_command_mutex);
            const bool idle = !running && impl.steps_pending == 0;
            if (idle && impl.lead()) m_command_cv.wait_for(lock, std::chrono::milliseconds(200));  // others wait in agree
            c = m_commands;
            m_commands = Commands{};
            if (m_abandon) c.stop = true;
            abandon = m_abandon;
        }
        try {
            if (impl.dist && !impl.lead() && abandon) {  // this rank is being torn down: the others will say so
                finish(TrainerState::Finished);
                return;
            }
            if (impl.dist) abandon = impl.agree(c, abandon);
            if (c.lr) {
                impl.task->set_learning_rates(c.lr->first, c.lr->second);
                impl.config.lr_g = c.lr->first;
                impl.config.lr_d = c.lr->second;
                impl.lr_factor_applied = std::nan("");  // issue 15: the schedule scales the new base rates
                impl.message("learning rates set: G " + std::to_string(c.lr->first) + ", D " + std::to_string(c.lr->second));
            }
            if (c.batch_size && *c.batch_size != impl.config.batch_size) {
                TrainConfig next = impl.config;
                next.batch_size = *c.batch_size;
                next.validate();
                const LoaderPosition p = impl.loader->position();
                const int64_t consumed = p.batch * impl.config.batch_size;
                impl.config.batch_size = next.batch_size;
                impl.make_loader({p.epoch, consumed / next.batch_size});
                impl.status.batches_per_epoch = impl.loader->batches_per_epoch();
                impl.message("batch size set to " + std::to_string(next.batch_size));
            }
            if (c.revert) impl.revert();
            if (c.run) {
                running = *c.run;
                if (running && impl.poisoned) {
                    running = false;
                    impl.message("the weights are not finite: revert to the last checkpoint before continuing");
                }
                if (running) impl.status.error.clear();
            }
            if (c.steps > 0 && !running && !impl.poisoned) impl.steps_pending += c.steps;
            if (c.weights) owner_weights(impl);
            if (c.save) impl.save_checkpoint("requested");
            if (c.stop) {
                if (!abandon) impl.write_final_history();
                if (!abandon) impl.save_checkpoint("final");
                finish(impl.status.state == TrainerState::Failed ? TrainerState::Failed : TrainerState::Finished);
                return;
            }
            const bool want_step = running || impl.steps_pending > 0;
            const TrainerState shown = want_step ? TrainerState::Running : TrainerState::Paused;
            if (impl.status.state != shown) impl.set_state(shown);
            if (!want_step) continue;
            if (impl.config.steps > 0 && impl.step >= impl.config.steps) {
                impl.log_metrics();
                if (impl.step % impl.config.sample_every != 0) impl.publish_samples();
                impl.write_final_history();
                if (impl.dist || !impl.run_dir().empty()) impl.save_checkpoint("final");
                finish(TrainerState::Finished);
                return;
            }
            impl.train_one_step();
            if (impl.steps_pending > 0) --impl.steps_pending;
            impl.after_step();
            if (impl.poisoned) running = false;
        } catch (const std::exception& e) {
            if (impl.dist) {  // issue 14: the other ranks cannot go on without this one; fail and exit
                impl.status.error = dynamic_cast<const DistError*>(&e) ? std::string(e.what())
                                    : "rank " + std::to_string(impl.dist->rank()) + ", step " + std::to_string(impl.step) + ": " + e.what();
                finish(TrainerState::Failed);
                return;
            }
            running = false;
            impl.steps_pending = 0;
            impl.status.error = std::string("step ") + std::to_string(impl.step) + ": " + e.what();
            impl.set_state(TrainerState::Paused);
        }
    }
}

void Trainer::owner_weights(Impl& impl) { m_weights.publish(impl.task->snapshot_generator(impl.step)); }

}  // namespace ganscope
