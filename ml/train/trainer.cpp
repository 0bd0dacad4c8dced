// The trainer thread: setup, the step loop, commands, publishing (its run folder in trainer_files.cpp, its process
// group in trainer_dist.cpp). Only thread_main and the Impl it owns (trainer_impl.h) touch the task and the loader;
// the public methods only queue commands.
#include "ml/train/trainer.h"

#include <tuple>

#include <cstring>
#include <filesystem>
#include <thread>

#include "ml/run/kept_checkpoints.h"
#include "ml/models/lr_schedule.h"
#include "ml/models/task_factory.h"
#include "ml/data/tensor_image.h"
#include "ml/train/trainer_impl.h"

namespace ganscope {
namespace fs = std::filesystem;

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

// Everything the trainer thread owns.
// Trainer::Impl (ml/train/trainer_impl.h): setup, the step and what is published; the run folder's files are in
// trainer_files.cpp, the process group in trainer_dist.cpp.

void Trainer::Impl::evaluate_quality() {
    if (quality_off) return;
    try {
        if (!quality) quality = std::make_unique<QualityMetric>(config, source);
        pending_quality = quality->evaluate(*task);
    } catch (const std::exception& e) {
        quality_off = true;
        message(std::string("quality metric off for this run: ") + e.what());
    }
}

void Trainer::Impl::evaluate_fid() {
    if (fid_off) return;
    try {
        if (!fid) {
            std::string from;
            FidOptions options;
            options.weights = fid_weights_path(owner.m_options.fid_weights, &from);
            options.images = config.fid_images;
            std::error_code ec;
            if (!std::filesystem::is_regular_file(options.weights, ec))
                throw std::runtime_error(fid_weights_missing(options.weights, from));
            fid = std::make_unique<FidMetric>(config, source, options);
        }
        pending_fid = fid->evaluate(*task);
    } catch (const std::exception& e) {
        fid_off = true;  // said once; training goes on without it
        const std::string why = e.what();
        message(why.rfind("FID and KID are off", 0) == 0 ? why : "FID and KID are off for this run: " + why);
    }
}

void Trainer::Impl::publish() {
    status.step = step;
    status.epoch = loader ? loader->position().epoch : 0;
    status.batch_size = config.batch_size;
    status.lr_g = config.lr_g;
    status.lr_d = config.lr_d;
    status.lr_g_now = scheduled_lr(config, config.lr_g, step);
    status.lr_d_now = scheduled_lr(config, config.lr_d, step);
    if (task) std::tie(status.lr_g_optimizer, status.lr_d_optimizer) = task->learning_rates();
    status.config = config;
    if (loader) status.skipped_files = loader->skipped() + int64_t(scan_skipped.size());
    if (status.skipped_files != skipped_reported) report_skipped();
    if (status.total_steps > 0 && status.step_ms > 0)
        status.eta_seconds = double(status.total_steps - step) * status.step_ms / 1000.0;
    owner.m_status.publish(status);
}

void Trainer::Impl::set_state(TrainerState state) {
    status.state = state;
    publish();
}

void Trainer::Impl::message(const std::string& text, bool routine) {
    status.message = text;
    status.message_routine = routine;
    publish();
}

void Trainer::Impl::setup() {
    const TrainerOptions& opt = owner.m_options;
    CheckpointMeta meta;
    config = opt.config;
    if (opt.dist.enabled()) join_group();  // first: on resume rank 0 sends the checkpoint through it
    if (!run_dir().empty()) {  // rank 0 alone has a run folder
        std::error_code ec;
        if (opt.resume && !std::filesystem::is_directory(run_dir(), ec))  // a refused resume creates nothing
            throw std::runtime_error(run_dir() +
                                     ": no such run folder to resume; check the path (ganscope train --out "
                                     "writes one)");
        run_lock = std::make_unique<RunLock>(run_dir());  // before reading: a second writer is refused
        remove_stale_temp_files(run_dir());
    }
    if (opt.resume) {
        checkpoint_path = resume_checkpoint_path(opt.run_dir, opt.resume_from);  // --from
        meta = dist ? read_checkpoint_meta_bytes(checkpoint_bytes = share_checkpoint(checkpoint_path), checkpoint_path)
                    : read_checkpoint_meta(checkpoint_path);
        if (!lead()) checkpoint_path.clear();
        const TrainConfig requested = config;
        config = meta.config;
        // What a resume may change: device, length, intervals, loader threads, learning rates.
        config.device = requested.device;
        config.loader_workers = requested.loader_workers;
        if (opt.extra_steps >= 0) config.steps = meta.step + opt.extra_steps;
        if (opt.resume_lr_g) config.lr_g = *opt.resume_lr_g;
        if (opt.resume_lr_d) config.lr_d = *opt.resume_lr_d;
    }
    reshard(meta, opt.resume);
    config.validate();
    device = dist_device(resolve_device(config.device));
    config.resolve_for(device.is_cuda());
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
    for (const auto& [file, why] : source->skipped()) scan_skipped.push_back(file + ": " + why);
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

void Trainer::Impl::publish_weights(bool for_explorer) {
    const int64_t epoch = loader ? loader->position().epoch : 0;
    const bool for_history = history && !poisoned && history->last_step() != step &&
                             (history->due(step, epoch) || clock_due(last_history, config.history_seconds));
    if (!for_explorer && !for_history) return;
    WeightsSnapshot taken = task->snapshot_generator(step);
    if (device.is_cuda()) {
        taken.ready = std::make_shared<c10::Event>(c10::DeviceType::CUDA);
        taken.ready->record(c10::Stream(c10::Stream::DEFAULT, device));  // the stream the step and the clones ran on
    }
    auto snapshot = std::make_shared<const WeightsSnapshot>(std::move(taken));
    if (for_explorer) {
        owner.m_weights.publish(snapshot);
        last_weights = Clock::now();
    }
    if (for_history) write_history(*snapshot, epoch);
}

void Trainer::Impl::make_loader(LoaderPosition position) {
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

void Trainer::Impl::apply_lr_schedule() {
    const double f = lr_factor(config, step);
    if (f == lr_factor_applied) return;
    task->set_learning_rates(config.lr_g * f, config.lr_d * f);
    lr_factor_applied = f;
}

void Trainer::Impl::train_one_step() {
    apply_lr_schedule();
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

void Trainer::Impl::after_step() {
    // Quality: evaluated first, so this step's record carries it; its time is kept out of the
    // images/s of the log window.
    const bool quality_due = config.swd_every > 0 && step % config.swd_every == 0 && !quality_off;
    if (quality_due) {
        const auto t0 = Clock::now();
        evaluate_quality();
        window_start += Clock::now() - t0;
    }
    // FID and KID on their own cadence, every rank alike (as the swd: no rank waits past --dist-timeout on another).
    const bool fid_due = config.fid_every > 0 && step % config.fid_every == 0 && !fid_off;
    if (fid_due) {
        const auto t0 = Clock::now();
        evaluate_fid();
        window_start += Clock::now() - t0;
    }
    const bool keep_due = kept_checkpoint_due();
    // The step's grid is rendered before its record is logged, so the record carries the samples' diversity.
    torch::Tensor grid_images;
    if (step % config.sample_every == 0 && lead()) {
        grid_images = task->render_samples();
        measure_diversity(grid_images);
        // The run's last grid waits for the index of the training images: kept out of images/s.
        const auto t0 = Clock::now();
        measure_copying(grid_images, config.steps > 0 && step >= config.steps);
        window_start += Clock::now() - t0;
    }
    // A checkpoint is only written after the losses were read back and found finite.
    if (step % config.log_every == 0 || step % config.checkpoint_every == 0 || quality_due || fid_due || keep_due ||
        (config.steps > 0 && step >= config.steps)) {
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
    if (step % config.sample_every == 0)
        publish_samples(true, true, grid_images);
    else if (clock_due(last_grid, config.publish_seconds))
        publish_samples(false);  // By the clock
    publish_weights(step % config.snapshot_every == 0 || clock_due(last_weights, config.publish_seconds));
    if (step % config.checkpoint_every == 0) save_checkpoint("periodic");
    if (keep_due) keep_checkpoint();
    publish();
}

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

void Trainer::start() {
    enqueue([](Commands& c) { c.run = true; });
}
void Trainer::pause() {
    enqueue([](Commands& c) { c.run = false; });
}
void Trainer::step(int count) {
    enqueue([count](Commands& c) { c.steps += std::max(0, count); });
}
void Trainer::stop() {
    enqueue([](Commands& c) { c.stop = true; });
}
void Trainer::save() {
    enqueue([](Commands& c) { c.save = true; });
}
void Trainer::revert_to_checkpoint() {
    enqueue([](Commands& c) { c.revert = true; });
}
void Trainer::request_weights() {
    enqueue([](Commands& c) { c.weights = true; });
}

std::string Trainer::command(const RunCommand& rc) {
    if (std::string why = command_problem(rc); !why.empty()) return why;
    switch (rc.kind) {
        case RunCommand::Kind::Start: start(); break;
        case RunCommand::Kind::Pause: pause(); break;
        case RunCommand::Kind::Step: step(rc.steps); break;
        case RunCommand::Kind::Save: save(); break;
        case RunCommand::Kind::Revert: revert_to_checkpoint(); break;
        case RunCommand::Kind::LearningRates:
            enqueue([&rc](Commands& c) { c.lr = std::make_pair(rc.lr_g, rc.lr_d); });
            break;
        case RunCommand::Kind::BatchSize: enqueue([&rc](Commands& c) { c.batch_size = rc.batch_size; }); break;
    }
    return "";
}

void Trainer::enqueue(const std::function<void(Commands&)>& apply) {
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
    impl.paused_at = Clock::now();
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
            if (c.lr) {  // the config owns the base rates; the schedule writes them (scaled) into the optimisers
                impl.config.lr_g = c.lr->first;
                impl.config.lr_d = c.lr->second;
                impl.lr_factor_applied = std::nan("");
                impl.apply_lr_schedule();
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
                // A stop always ends the thread: a final save that fails (a full disk) is reported, not retried.
                try {
                    if (!abandon) impl.write_final_history();
                    if (!abandon) impl.save_checkpoint("final");
                } catch (const std::exception& e) {
                    impl.status.error = std::string("stopping at step ") + std::to_string(impl.step) + ": " + e.what();
                    finish(TrainerState::Failed);
                    return;
                }
                finish(impl.status.state == TrainerState::Failed ? TrainerState::Failed : TrainerState::Finished);
                return;
            }
            const bool want_step = running || impl.steps_pending > 0;
            const TrainerState shown = want_step ? TrainerState::Running : TrainerState::Paused;
            if (impl.status.state != shown) {
                // Time spent paused is not training time: keep it out of the log window's images/s.
                if (shown == TrainerState::Paused)
                    impl.paused_at = Clock::now();
                else if (impl.paused_at) {
                    impl.window_start += Clock::now() - *impl.paused_at;
                    impl.paused_at.reset();
                }
                impl.set_state(shown);
            }
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
            if (impl.alert_pause) {  // --on-alert pause: as the Pause button does
                impl.alert_pause = false;
                running = false;
                impl.steps_pending = 0;
            }
            if (impl.alert_stop) {  // --on-alert stop: a stop command at the next turn (final checkpoint and all)
                impl.alert_stop = false;
                std::lock_guard<std::mutex> lock(m_command_mutex);
                m_commands.stop = true;
            }
        } catch (const std::exception& e) {
            if (impl.dist) {  // The other ranks cannot go on without this one; fail and exit
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
