// The trainer thread: setup, the step loop, commands, publishing, run-folder output. Only thread_main and the
// Impl it owns touch the task and the loader; the public methods only queue commands.
#include "ml/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ml/checkpoint.h"
#include "ml/dataset.h"
#include "ml/history.h"
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
    // issue 15: TensorBoard events beside metrics.jsonl, the learning-rate schedule, kept checkpoints.
    std::unique_ptr<EventFileWriter> events;
    double lr_factor_applied = std::nan("");  // NaN: apply before the next step (after a load or a new base rate)
    int64_t kept_epoch = -1;                  // the epoch whose checkpoint was kept last

    explicit Impl(Trainer& t) : owner(t) {}
    const std::string& run_dir() const { return owner.m_options.run_dir; }

    void publish() {
        status.step = step;
        status.epoch = loader ? loader->position().epoch : 0;
        status.batch_size = config.batch_size;
        status.lr_g = config.lr_g;
        status.lr_d = config.lr_d;
        status.lr_g_now = scheduled_lr(config, config.lr_g, step);  // issue 15
        status.lr_d_now = scheduled_lr(config, config.lr_d, step);
        status.config = config;
        if (loader) status.skipped_files = loader->skipped();
        if (status.total_steps > 0 && status.step_ms > 0)
            status.eta_seconds = double(status.total_steps - step) * status.step_ms / 1000.0;
        owner.m_status.publish(status);
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
        if (opt.resume) {
            checkpoint_path = resume_checkpoint_path(run_dir(), opt.resume_from);  // issue 15: --from
            meta = read_checkpoint_meta(checkpoint_path);
            const TrainConfig requested = config;
            config = meta.config;
            // What a resume may change: device, length, intervals, loader threads.
            config.device = requested.device;
            config.loader_workers = requested.loader_workers;
            if (opt.extra_steps >= 0) config.steps = meta.step + opt.extra_steps;
        }
        config.validate();
        device = resolve_device(config.device);
        if (config.image_size == 0)
            config.image_size = config.image_to_image() ? (device.is_cuda() ? 256 : 128) : (device.is_cuda() ? 64 : 32);
        if (device.is_cuda()) {
            at::globalContext().setBenchmarkCuDNN(true);
        } else {
            // Only when it changes: setting it rebuilds torch's CPU thread pool, which other threads (the
            // explorer's renders, a previous trainer's loader) may be using right now.
            const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
            if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
        }
        status.device = device.str();
        status.run_dir = run_dir();
        status.total_steps = config.steps;
        publish();

        source = make_source(config);
        status.data_description = source->description();
        status.dataset_size = int64_t(source->size());
        if (auto* folder = dynamic_cast<FolderSource*>(source.get()); folder && !folder->skipped().empty()) {
            const auto& first = folder->skipped().front();
            status.message = "skipped " + std::to_string(folder->skipped().size()) + " unreadable files (first: " +
                             first.first + ": " + first.second + ")";
        }
        task = opt.make_task ? opt.make_task(config, device) : make_task(config, device);
        if (opt.resume) {
            meta = load_checkpoint(checkpoint_path, *task);
            step = meta.step;
        }
        make_loader(meta.position);
        status.batches_per_epoch = loader->batches_per_epoch();

        if (!run_dir().empty()) open_run_dir(opt.resume);
        publish_samples(/*to_events=*/!opt.resume);  // a resumed run's grid at its step is in the earlier events
        publish_weights(true);
    }

    // The explorer's weights slot and the run's history (issue 5) share one snapshot copy.
    void publish_weights(bool for_explorer) {
        const int64_t epoch = loader ? loader->position().epoch : 0;
        const bool for_history = history && !poisoned && history->due(step, epoch);
        if (!for_explorer && !for_history) return;
        auto snapshot = std::make_shared<const WeightsSnapshot>(task->snapshot_generator(step));
        if (for_explorer) owner.m_weights.publish(snapshot);
        if (for_history) write_history(*snapshot, epoch);
    }
    // The last step of a run always goes into the history, so timelapses end where training did.
    void write_final_history() {
        if (history && task && !poisoned && history->last_step() != step)
            write_history(task->snapshot_generator(step), loader ? loader->position().epoch : 0);
    }
    void write_history(const WeightsSnapshot& snapshot, int64_t epoch) {
        history->write(snapshot, epoch);
        if (std::string e = history->error(); !e.empty() && e != status.message) message(e);
    }

    void make_loader(LoaderPosition position) {
        LoaderOptions lo;
        lo.batch_size = config.batch_size;
        lo.workers = config.loader_workers;
        lo.prefetch_batches = config.prefetch_batches;
        lo.seed = config.seed;
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
            // Keep the records up to the checkpoint; later ones belong to steps that will be trained again.
            std::vector<std::string> kept;
            std::ifstream in(metrics_path);
            for (std::string line; std::getline(in, line);) {
                try {
                    auto m = StepMetrics::from_json(nlohmann::json::parse(line));
                    if (m.step > step) continue;
                    kept.push_back(line);
                    seconds_offset = std::isfinite(m.seconds) ? m.seconds : seconds_offset;
                    owner.keep_metrics(m);
                } catch (const std::exception&) {
                    // a line cut short by a crash: drop it
                }
            }
            in.close();
            std::ofstream out(metrics_path, std::ios::trunc);
            for (const auto& line : kept) out << line << "\n";
        } else {
            std::ofstream(metrics_path, std::ios::trunc);
            // The sample grid's inputs are part of the checkpoint; also keep them beside it for other tools.
            const torch::Tensor fixed = task->fixed_latents();
            torch::save(fixed.defined() ? fixed.cpu() : torch::empty({0}), run_dir() + "/fixed_latents.pt");
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

    void publish_samples(bool to_events = true) {
        SampleGrid grid;
        grid.step = step;
        grid.epoch = loader->position().epoch;
        grid.images = task->render_samples();
        grid.columns = display_grid_columns(grid.images.size(0), config.image_to_image());
        grid.padding = kDisplayPadding;
        grid.grid = make_grid(grid.images, grid.columns, grid.padding, kDisplayGutter);
        if (const torch::Tensor fixed = task->fixed_latents(); fixed.defined()) grid.latents = fixed.cpu();
        if (device.is_cuda()) {
            grid.ready = std::make_shared<c10::Event>(c10::DeviceType::CUDA);
            grid.ready->record(c10::Stream(c10::Stream::DEFAULT, device));
        }
        owner.m_samples.publish(grid);
        if (!run_dir().empty()) {
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
        if (checkpoint_path.empty()) return;
        if (poisoned) {
            message("not saving: the weights are not finite; the last good checkpoint is kept (" + checkpoint_path + ")");
            return;
        }
        write_checkpoint(checkpoint_path, *task, {config, step, loader->position()});
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
        publish_samples(/*to_events=*/false);
        if (history) history->truncate_after(step);
        message("reverted to the checkpoint of step " + std::to_string(step));
    }

    // Reads the accumulated stats back (one host sync) and logs them. Returns false if they are not finite.
    bool log_metrics() {
        if (stats_count == 0) return true;
        auto mean = (stats_sum / double(stats_count)).to(torch::kCPU, torch::kFloat64);
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
        window_images += batch.target.size(0);
        ++window_steps;
    }

    void after_step() {
        bool logged = false;
        const bool keep_due = kept_checkpoint_due();  // issue 15
        // A checkpoint is only written after the losses were read back and found finite.
        if (step % config.log_every == 0 || step % config.checkpoint_every == 0 || keep_due ||
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
        publish_weights(step % config.snapshot_every == 0);
        if (step % config.checkpoint_every == 0) save_checkpoint("periodic");
        if (keep_due) keep_checkpoint();  // issue 15
        publish();
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
        {
            std::unique_lock<std::mutex> lock(m_command_mutex);
            const bool idle = !running && impl.steps_pending == 0;
            if (idle) m_command_cv.wait_for(lock, std::chrono::milliseconds(200));
            c = m_commands;
            m_commands = Commands{};
            if (m_abandon) c.stop = true;
        }
        try {
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
                if (!m_abandon) impl.write_final_history();
                if (!m_abandon) impl.save_checkpoint("final");
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
                if (!impl.run_dir().empty()) impl.save_checkpoint("final");
                finish(TrainerState::Finished);
                return;
            }
            impl.train_one_step();
            if (impl.steps_pending > 0) --impl.steps_pending;
            impl.after_step();
            if (impl.poisoned) running = false;
        } catch (const std::exception& e) {
            running = false;
            impl.steps_pending = 0;
            impl.status.error = std::string("step ") + std::to_string(impl.step) + ": " + e.what();
            impl.set_state(TrainerState::Paused);
        }
    }
}

void Trainer::owner_weights(Impl& impl) { m_weights.publish(impl.task->snapshot_generator(impl.step)); }

}  // namespace ganscope
