// Trainer::Impl's run folder (see trainer_impl.h): metrics.jsonl and TensorBoard events, sample grids, checkpoints
// (the latest, kept ones, revert), history snapshots, the skipped-files list. The trainer thread; only rank 0 writes.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "ml/formats/safe_text.h"
#include "ml/run/checked_archive.h"
#include "ml/run/kept_checkpoints.h"
#include "ml/models/lr_schedule.h"
#include "ml/data/tensor_image.h"
#include "ml/train/trainer_impl.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

std::string format_step(int64_t step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(step));
    return buf;
}

}  // namespace

void Trainer::Impl::report_skipped() {
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

void Trainer::Impl::write_final_history() {
    if (history && task && !poisoned && history->last_step() != step)
        write_history(task->snapshot_generator(step), loader ? loader->position().epoch : 0);
}

void Trainer::Impl::write_history(const WeightsSnapshot& snapshot, int64_t epoch) {
    history->write(snapshot, epoch);
    last_history = Clock::now();
    if (std::string e = history->error(); !e.empty() && e != status.message) message(e);
}

void Trainer::Impl::open_run_dir(bool resume) {
    std::error_code ec;
    fs::create_directories(run_dir() + "/samples", ec);
    if (ec) throw std::runtime_error(run_dir() + ": cannot create the run folder (" + ec.message() + "); choose a writable --out");
    checkpoint_path = run_dir() + "/checkpoint.pt";
    HistoryOptions history_options;
    history_options.every_steps = config.history_every;
    history = std::make_unique<HistoryWriter>(run_dir(), history_options);
    history->truncate_after(step);  // a resumed run drops snapshots past its checkpoint
    try {
        write_atomically(run_dir() + "/config.json", config.to_json().dump(2) + "\n");  // never left empty
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(e.what()) + "; choose a writable --out");
    }
    const std::string metrics_path = run_dir() + "/metrics.jsonl";
    if (resume) {
        for (const StepMetrics& m : rewrite_metrics_up_to(metrics_path, step)) {
            seconds_offset = std::isfinite(m.seconds) ? m.seconds : seconds_offset;
            owner.keep_metrics(m);
        }
        check_fixed_latents_file();
    } else {
        std::ofstream(metrics_path, std::ios::trunc);
        fs::remove(run_dir() + "/alerts.jsonl", ec);  // a new run in an old folder: its alerts were the old run's
        // The sample grid's inputs are part of the checkpoint; also keep them beside it for other tools.
        const torch::Tensor fixed = task->fixed_latents();
        write_tensor_file(run_dir() + "/fixed_latents.pt", fixed.defined() ? fixed.cpu() : torch::empty({0}));
    }
    metrics_file.open(metrics_path, std::ios::app);
    if (!metrics_file) throw std::runtime_error(metrics_path + ": cannot write; choose a writable --out");
    open_events(resume);
}

void Trainer::Impl::check_fixed_latents_file() {
    // Read as any reader of the folder reads it: a damaged or foreign copy is replaced by the checkpoint's own.
    const torch::Tensor fixed = task->fixed_latents();
    if (!fixed.defined()) return;
    const std::string path = run_dir() + "/fixed_latents.pt";
    std::string why;
    try {
        if (!torch::equal(read_tensor_file(path), fixed.cpu().to(torch::kFloat)))
            why = "it differs from the checkpoint's";
    } catch (const std::exception& e) {
        why = e.what();
    }
    if (why.empty()) return;
    write_tensor_file(path, fixed.cpu());
    message("fixed_latents.pt rewritten from the checkpoint (" + one_line(why, 200) + ")");
}

void Trainer::Impl::open_events(bool resume) {
    if (!resume)
        for (const auto& f : list_event_files(run_dir())) std::filesystem::remove(f);
    events = std::make_unique<EventFileWriter>(run_dir());
    if (resume) events->add_session_start(step + 1);
}

void Trainer::Impl::note_events_error() {
    if (events && !events->error().empty() && status.message != events->error()) message(events->error());
}

bool Trainer::Impl::kept_checkpoint_due() const {
    if (config.keep_every_epochs <= 0 || run_dir().empty()) return false;
    const LoaderPosition p = loader->position();
    return p.batch == 0 && p.epoch > 0 && p.epoch % config.keep_every_epochs == 0 && p.epoch != kept_epoch;
}

void Trainer::Impl::keep_checkpoint() {
    const LoaderPosition p = loader->position();
    kept_epoch = p.epoch;
    if (poisoned) return;
    std::error_code ec;
    std::filesystem::create_directories(kept_checkpoint_dir(run_dir()), ec);
    const std::string path = kept_checkpoint_path(run_dir(), p.epoch);
    write_checkpoint(path, *task, {config, step, p, {}});  // temp file + rename, as checkpoint.pt
    message("epoch " + std::to_string(p.epoch) + ": kept checkpoint saved at step " + std::to_string(step) + " to " + path);
}

void Trainer::Impl::publish_samples(bool write_file, bool to_events, torch::Tensor images) {
    if (!lead()) return;  // nobody watches the other ranks
    last_grid = Clock::now();
    SampleGrid grid;
    grid.step = step;
    grid.epoch = loader->position().epoch;
    grid.images = images.defined() ? std::move(images) : task->render_samples();
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
        if (events && to_events) {
            events->add_image("samples", step, image);
            note_events_error();
        }
    }
}

void Trainer::Impl::save_checkpoint(const char* why) {
    // Every rank takes part in a distributed save: its random streams go into rank 0's file.
    const torch::Tensor streams = dist ? gather_rank_streams(*dist, *task) : torch::Tensor();
    if (checkpoint_path.empty()) return;
    if (poisoned) {
        message("not saving: the weights are not finite; the last good checkpoint is kept (" + checkpoint_path + ")");
        return;
    }
    write_checkpoint(checkpoint_path, *task, {config, step, loader->position(), streams});
    message(std::string(why) + " checkpoint saved at step " + std::to_string(step) + " to " + checkpoint_path,
            std::string(why) == "periodic");
}

void Trainer::Impl::revert() {
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
    lr_factor_applied = std::nan("");
    if (events) events->add_session_start(step + 1);
    publish_samples(true, /*to_events=*/false);
    if (history) history->truncate_after(step);
    message("reverted to the checkpoint of step " + std::to_string(step));
}

bool Trainer::Impl::log_metrics() {
    if (stats_count == 0) return true;
    double count = double(stats_count);
    if (dist) {  // the mean over every rank's steps
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
    m.loss_gan = v[kLossGan];
    m.images_per_sec = elapsed > 0 ? double(window_images) / elapsed : 0;
    m.seconds = seconds_offset + std::chrono::duration<double>(Clock::now() - run_start).count();
    m.diversity = pending_diversity;
    pending_diversity = std::nan("");
    m.copying = pending_copying;
    pending_copying = std::nan("");
    if (pending_fid) {
        m.fid = pending_fid->fid;
        m.kid = pending_fid->kid.mean;
        m.fid_seconds = pending_fid->seconds;
        pending_fid.reset();
    }
    if (pending_quality) {
        m.swd = pending_quality->swd;
        m.swd_levels = pending_quality->levels;
        m.val_l1 = pending_quality->val_l1;
        m.swd_seconds = pending_quality->seconds;
        pending_quality.reset();
    }
    m.lr_g = scheduled_lr(config, config.lr_g, step - 1);  // The rate the logged step trained with
    m.lr_d = scheduled_lr(config, config.lr_d, step - 1);
    status.step_ms = window_steps > 0 ? 1000.0 * elapsed / double(window_steps) : 0;
    window_start = Clock::now();
    window_images = window_steps = 0;
    const bool finite = std::isfinite(m.loss_g) && (std::isfinite(m.loss_d) || !task->adversarial());
    status.last = m;
    owner.keep_metrics(m);
    if (metrics_file.is_open()) metrics_file << m.to_json().dump() << "\n" << std::flush;
    if (events) {
        events->add_metrics(m.to_json());
        note_events_error();
    }
    if (lead()) raise_alerts(alert_detector.on_metrics(m, config.gan_loss == "bce" && task->adversarial()));
    return finite;
}

void Trainer::Impl::measure_diversity(const torch::Tensor& samples) {
    if (!lead() || !task->fixed_latents().defined()) return;  // pix2pix's grid is its validation pairs
    if (std::isnan(real_spread)) {
        // A real batch of the grid's size drawn across the whole data (the first items of a folder are often alike:
        // the emoji set starts with its faces), as the DCGAN transform makes them; the same draw every time.
        const ExampleTransform transform = center_crop_transform(config.image_size);
        std::mt19937 rng(1);
        std::uniform_int_distribution<size_t> pick(0, source->size() - 1);
        std::vector<torch::Tensor> reals;
        for (int tries = 0; tries < 4 * samples.size(0) && int64_t(reals.size()) < samples.size(0); ++tries) {
            try {
                reals.push_back(transform(source->load(pick(rng)), rng).target);
            } catch (const std::exception&) {
                // an unreadable image: the loader reports it; take another
            }
        }
        real_spread = reals.size() >= 2 ? image_spread(torch::stack(reals)) : 0.0;
    }
    if (!(real_spread > 0)) return;
    pending_diversity = image_spread(samples) / real_spread;
    raise_alerts(alert_detector.on_diversity(step, pending_diversity));
}

namespace {
// The in-training index holds every training image at the training size (64x64: 15 KB each with its block averages);
// above this the score is left to `ganscope nearest`, which a user runs when they choose to pay for it.
constexpr int64_t kCopyingMaxBytes = int64_t(1) << 30;
}  // namespace

void Trainer::Impl::measure_copying(const torch::Tensor& samples, bool last) {
    if (copying_off || !lead() || !task->fixed_latents().defined() || !source) return;
    try {
        if (!nearest) {
            if (!nearest_building.valid()) {
                // Rank 0 alone would read the data while the other ranks wait for it in the next allreduce.
                if (dist) {
                    copying_off = true;
                    message("copying score off for distributed runs; `ganscope nearest --checkpoint F` measures it");
                    return;
                }
                const int64_t bytes = NearestIndex::bytes_for(int64_t(source->size()), config.image_size);
                if (bytes > kCopyingMaxBytes) {
                    copying_off = true;
                    message("copying score off for this run: its " + std::to_string(source->size()) +
                            " training images need " + std::to_string(bytes >> 20) +
                            " MB to search, more than the in-training index holds (" +
                            std::to_string(kCopyingMaxBytes >> 20) +
                            " MB); `ganscope nearest --checkpoint F` measures it");
                    return;
                }
                // Built beside training (reading a large folder takes a while), first used by a later grid.
                nearest_building = std::async(std::launch::async, [data = source, size = config.image_size,
                                                                   background = config.background, this] {
                    auto index = std::make_unique<NearestIndex>(
                        NearestIndex::build(*data, size, background, "", &nearest_cancel));
                    const double typical = index->typical_distance();
                    return std::make_pair(std::move(index), typical);
                });
            }
            if (!last && nearest_building.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
            auto [index, typical] = nearest_building.get();  // its exception, if it failed
            nearest = std::move(index);
            typical_distance = typical;
        }
        std::vector<double> distances;
        for (const auto& m : nearest->query(samples, 1)) distances.push_back(m.front().distance);
        pending_copying = copying_score(distances, typical_distance);
        const double near = copying_score(distances, alert_detector.thresholds().copying_near * typical_distance);
        raise_alerts(alert_detector.on_copying(step, pending_copying, near));
    } catch (const c10::Error& e) {
        copying_off = true;  // said once; training goes on without it
        const std::string what = e.what_without_backtrace();
        message("copying score off for this run: " + what.substr(0, what.find('\n')));
    } catch (const std::exception& e) {
        copying_off = true;
        message(std::string("copying score off for this run: ") + e.what());
    }
}

void Trainer::Impl::raise_alerts(const std::vector<Alert>& alerts) {
    for (const Alert& a : alerts) {
        status.alerts.push_back(a);
        ++status.alerts_raised;
        if (status.alerts.size() > 100) status.alerts.erase(status.alerts.begin());
        if (!run_dir().empty()) {
            std::ofstream out(run_dir() + "/alerts.jsonl", std::ios::app);
            out << a.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            if (!out)
                message("cannot append to " + run_dir() + "/alerts.jsonl (disk full?); the alert is in the status");
        }
        if (events) {
            events->add_text("alerts", a.step, alert_line(a));
            note_events_error();
        }
        const TrainerOptions& opt = owner.m_options;
        if (!opt.alert_command.empty()) run_alert_command(opt.alert_command, a);
        if (opt.on_alert == "pause") alert_pause = true;
        if (opt.on_alert == "stop") alert_stop = true;
    }
}

}  // namespace ganscope
