// `ganscope train --headless ...`: trains in the background thread and shows a terminal progress line.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "ml/train/trainer.h"
#include "viewer/commands/commands.h"
#include "viewer/commands/launch.h"
#include "viewer/commands/timelapse_options.h"
#include "viewer/features/record/recorder.h"
#include "viewer/commands/train_options.h"

namespace ganscope {
namespace {

std::atomic<int> g_interrupts{0};
void on_interrupt(int) { g_interrupts.fetch_add(1); }

std::string clock_text(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return "--:--";
    const long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string progress_line(const TrainerStatus& s) {
    char buf[256];
    const std::string total = s.total_steps > 0 ? std::to_string(s.total_steps) : "inf";
    const double pct = s.total_steps > 0 ? 100.0 * double(s.step) / double(s.total_steps) : 0.0;
    std::snprintf(buf, sizeof buf, "step %lld/%s (%.0f%%) epoch %lld | %.1f img/s | ETA %s | ",
                  static_cast<long long>(s.step), total.c_str(), pct, static_cast<long long>(s.epoch),
                  s.last.images_per_sec, clock_text(s.eta_seconds).c_str());
    return buf + describe_losses(s.last);
}

// Waits for the trainer to end, at most `seconds`: a signal meanwhile, or the deadline, ends the process at once.
// Every file the run keeps is written to a temporary name and renamed, so what is on disk stays whole.
void finish_within(Trainer& trainer, double seconds) {
    const int signals = g_interrupts.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!trainer.wait(std::chrono::milliseconds(100))) {
        const bool signalled = g_interrupts.load() != signals;
        if (signalled || std::chrono::steady_clock::now() > deadline) {
            std::cerr << "ganscope: the trainer did not stop"
                      << (signalled ? "" : " within " + std::to_string(int(seconds)) + " s")
                      << "; exiting (the last checkpoint on disk is whole)" << std::endl;
            std::_Exit(signalled ? 130 : 1);
        }
    }
}

int train_headless(const Args& args) {
    for (const char* window_only : {"screenshot", "frames", "window-size", "wait", "no-vsync"})
        if (args.has(window_only))
            throw UsageError(std::string("--") + window_only + " goes with the window (`ganscope --headless --" +
                             window_only + " ...`), not with `train --headless`");
    TrainerOptions options;
    options.config = config_from_args(args);
    options.config.sample_every = timelapse_sample_every(args, options.config.sample_every);
    run_folder_from_args(args, options);
    // Distributed training: this process's rank from the environment (--nproc, torchrun, srun).
    options.dist = dist_options_from_env();
    options.dist.timeout = std::chrono::milliseconds(int64_t(1000 * dist_timeout_seconds(args)));
    // Paused until someone resumes it: the window's button, or over --serve (the page, `ganscope watch`). Without a
    // server nothing could ever resume a headless run; ranks of a distributed run pause only together.
    if (args.has("paused") && !args.has("serve"))
        throw UsageError(
            "--paused with --headless needs --serve (resume it from the page or `ganscope watch`), or "
            "leave --headless out and resume it in the window");
    if (args.has("paused") && options.dist.world_size > 1)
        throw UsageError("--paused: a distributed run cannot start paused; pause it once it runs");
    options.start_paused = args.has("paused");
    options.threads = args.get_int("threads", 0);
    if (options.threads < 0 || options.threads > 1024) throw UsageError("--threads " + args.get("threads") + ": use 1 to 1024 (0: automatic)");
    const bool quiet = options.dist.rank > 0;  // rank 0 speaks for the run; the others only report errors
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);

    Trainer trainer(options);
    // Declared after the trainer: the server stops before the trainer goes. Only rank 0 serves (every rank of
    // --nproc, torchrun or srun gets the same --serve; the others would find its port taken).
    if (!args.has("serve") && args.has("token")) throw UsageError("--token goes with --serve");
    std::unique_ptr<RunSource> served =
        args.has("serve") && options.dist.rank == 0 ? make_trainer_source(trainer, options.run_dir) : nullptr;
    std::unique_ptr<RunServer> server =
        served ? start_serving(args, *served, [] { return g_interrupts.load() > 0; }) : nullptr;
    // Timelapse: its own thread; a failed recording is reported once and training goes on.
    std::unique_ptr<Recorder> recorder = start_timelapse(args, trainer);
    bool recorder_reported = false;
    auto finish_recording = [&] {
        if (recorder && !recorder_reported) std::cout << timelapse_summary(recorder->stop()) << std::endl;
        recorder_reported = true;
    };
    const bool tty = isatty(STDOUT_FILENO);
    uint64_t seen = 0;
    std::string last_message;
    bool announced = false, stopping = false;
    auto stop_asked = std::chrono::steady_clock::now();
    auto last_print = std::chrono::steady_clock::now() - std::chrono::hours(1);
    auto last_periodic_said = last_print;
    int64_t alerts_said = 0;
    TrainerState last_state = TrainerState::Starting;
    bool said_paused = false;
    std::shared_ptr<const TrainerStatus> status;
    for (;;) {
        const bool done = trainer.wait(std::chrono::milliseconds(100));
        if (g_interrupts.load() > 0 && !stopping) {
            stopping = true;
            std::cout << (tty ? "\n" : "") << "interrupted: saving a checkpoint and stopping (Ctrl-C again to abort)" << std::endl;
            trainer.stop();
            stop_asked = std::chrono::steady_clock::now();
        }
        if (stopping && std::chrono::steady_clock::now() - stop_asked > std::chrono::seconds(60)) {
            std::cerr
                << "ganscope: the trainer did not stop within 60 s; exiting (the last checkpoint on disk is whole)"
                << std::endl;
            std::_Exit(1);
        }
        if (g_interrupts.load() > 1) {
            std::cerr << "aborted; the last checkpoint is intact" << std::endl;
            std::_Exit(130);
        }
        if (recorder && !recorder_reported && recorder->status().video.state == VideoState::Failed) {
            std::cerr << (tty ? "\n" : "") << "ganscope: " << timelapse_summary(recorder->status())
                      << " (training continues)" << std::endl;
            recorder_reported = true;
        }
        trainer.status().fetch_if_newer(seen, status);
        if (status) {
            if (quiet) announced = true, last_message = status->message;
            if (!announced && (status->state == TrainerState::Running || status->state == TrainerState::Paused)) {
                announced = true;
                std::cout << "ganscope: training " << status->config.model << " " << status->config.image_size << "x"
                          << status->config.image_size << " on " << status->device << ", data " << status->data_description
                          << ", batch " << status->batch_size << ", run " << status->run_dir;
                if (status->config.world_size > 1)
                    std::cout << ", " << status->config.world_size << " ranks (global batch "
                              << status->batch_size * status->config.world_size << ")";
                std::cout << std::endl;
            }
            // A pause or resume that came from elsewhere (a client of --serve) is said here too.
            if (status->state != last_state && announced && !quiet) {
                if (status->state == TrainerState::Paused && last_state == TrainerState::Running) {
                    std::cout << (tty ? "\r\033[K" : "") << "paused at step " << status->step << std::endl;
                    said_paused = true;
                } else if (status->state == TrainerState::Running && said_paused) {
                    std::cout << (tty ? "\r\033[K" : "") << "resumed at step " << status->step << std::endl;
                    said_paused = false;
                }
            }
            last_state = status->state;
            // Alerts always reach the terminal, each once (the message line may be replaced before it is read).
            if (status->alerts_raised > alerts_said) {
                const size_t fresh =
                    size_t(std::min<int64_t>(status->alerts_raised - alerts_said, int64_t(status->alerts.size())));
                for (size_t i = status->alerts.size() - fresh; i < status->alerts.size(); ++i)
                    std::cout << (tty ? "\r\033[K" : "") << "ganscope: " << alert_line(status->alerts[i]) << std::endl;
                alerts_said = status->alerts_raised;
            }
            if (!status->message.empty() && status->message != last_message) {
                last_message = status->message;
                // Periodic checkpoints are said at most once a minute (a tiny run saves every few steps); every
                // other message, and the checkpoint on stopping, always.
                const auto now = std::chrono::steady_clock::now();
                const bool periodic = status->message_routine;
                if (!periodic || now - last_periodic_said > std::chrono::minutes(1)) {
                    std::cout << (tty ? "\r\033[K" : "") << last_message << std::endl;
                    if (periodic) last_periodic_said = now;
                }
            }
            const auto now = std::chrono::steady_clock::now();
            if (!quiet && status->state == TrainerState::Running && (tty || now - last_print > std::chrono::seconds(5))) {
                if (tty) std::cout << "\r\033[K" << progress_line(*status) << std::flush;
                else std::cout << progress_line(*status) << std::endl;
                last_print = now;
            }
            if (!status->error.empty() && status->state != TrainerState::Running && !done) {
                std::cerr << (tty ? "\n" : "") << "ganscope: " << status->error << std::endl;
                trainer.stop();
                finish_within(trainer, 30);
                finish_recording();
                return 1;
            }
        }
        if (done) break;
    }
    status = trainer.status().latest();
    if (tty) std::cout << "\r\033[K";
    finish_recording();
    if (!status || status->state == TrainerState::Failed) {
        std::cerr << "ganscope: " << (status ? status->error : std::string("training failed")) << std::endl;
        return 1;
    }
    if (quiet) return stopping ? 130 : 0;
    std::cout << progress_line(*status) << "\n";
    if (!status->message.empty() && status->message != last_message) std::cout << status->message << "\n";
    if (!status->dist_backend.empty())
        std::cout << "distributed: " << status->dist_backend << ", " << status->config.world_size << " ranks, allreduce "
                  << status->allreduce_ms << " ms per step\n";
    std::cout << "done: step " << status->step << "; run folder " << status->run_dir << std::endl;
    return stopping ? 130 : 0;
}

}  // namespace

void add_train_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "train", "train a GAN: with --headless in the terminal, else in the window",
                         [](const Args& a) {
                             if (a.has("nproc") && a.has("headless") && !std::getenv("WORLD_SIZE"))  // start the ranks
                                 return launch_local_ranks(raw_argc() - 1, raw_argv() + 1, a.get_int("nproc", 1),
                                                           std::chrono::seconds(int64_t(dist_timeout_seconds(a) + 0.999)));
                             return a.has("headless") ? train_headless(a) : run_window(a);
                         });
    add_train_options(args);
    args.flag("headless", "train in the terminal (a progress line), without a window");
    add_serve_options(args);
    add_window_options(args);
}

}  // namespace ganscope
