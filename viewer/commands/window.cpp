// `ganscope` (no arguments), `ganscope --data DIR`, `--resume runs/NAME`, `--open CHECKPOINT`, and
// `--headless --screenshot PATH --frames N`: the live window. Main thread.
#include <atomic>
#include <csignal>
#include <iostream>

#include "viewer/window/app.h"
#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"
#include "viewer/commands/launch.h"
#include "viewer/commands/train_options.h"

namespace ganscope {
namespace {
std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted = true; }
}  // namespace

int run_window(int argc, char** argv) {
    std::set<std::string> flags = train_flag_options();
    flags.insert("no-vsync");
    std::set<std::string> values = train_value_options();
    for (const char* o : {"open", "screenshot", "frames", "window-size", "wait"}) values.insert(o);
    Args args(argc, argv, flags, values);
    if (!args.positionals().empty())
        throw UsageError("unexpected argument '" + args.positionals()[0] + "'; see `ganscope --help`");

    AppOptions options;
    options.headless = args.has("headless");
    if (args.has("window-size")) {
        std::string s = args.get("window-size");
        if (std::sscanf(s.c_str(), "%dx%d", &options.width, &options.height) != 2 || options.width < 320 ||
            options.height < 240)
            throw UsageError("--window-size " + s + ": use WIDTHxHEIGHT, at least 320x240 (e.g. 1280x800)");
    }
    options.frames = args.get_int("frames", options.headless ? 60 : 0);
    options.wait_seconds = args.get_double("wait", 120);
    options.screenshot = args.get("screenshot", "");
    options.vsync = !args.has("no-vsync");
    if (!options.headless && (args.has("frames") || args.has("screenshot")))
        throw UsageError("--frames and --screenshot go with --headless (in the window press F12 for a screenshot)");
    options.ini_path = options.headless ? "" : default_ini_path();

    if (args.has("open")) {
        if (args.has("resume") || args.has("data"))
            throw UsageError("--open explores a checkpoint without training; leave out --resume and --data");
        options.mode = AppOptions::Mode::Open;
        options.checkpoint = args.get("open");
    } else {
        options.trainer.config = config_from_args(args);
        options.trainer.start_paused = args.has("paused");
        if (args.has("resume")) {
            options.trainer.resume = true;
            options.trainer.run_dir = args.get("resume");
            options.trainer.extra_steps = args.has("steps") ? args.get_int64("steps", 0) : -1;
        } else {
            options.trainer.run_dir = run_dir_from_args(args, options.trainer.config);
        }
    }
    // Distributed (issue 14): `ganscope --nproc N` trains on N local ranks, this window being rank 0.
    std::vector<int> helper_ranks;
    const auto dist_timeout = std::chrono::seconds(int64_t(dist_timeout_seconds(args) + 0.999));
    if (args.has("nproc") && !std::getenv("WORLD_SIZE")) {
        if (args.has("open")) throw UsageError("--nproc trains on several ranks; it does not go with --open");
        helper_ranks = start_helper_ranks(argc, argv, args.get_int("nproc", 1), train_value_options(), train_flag_options());
    }
    if (!args.has("open")) {
        options.trainer.dist = dist_options_from_env();
        options.trainer.dist.timeout = dist_timeout;
    }
    // Ctrl-C or SIGTERM closes the window as its close button does: the trainer saves a final checkpoint.
    options.interrupted = &g_interrupted;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    int rc = 0;
    {
        App app(std::move(options));
        rc = app.run();
    }  // the App stops its trainer (a final checkpoint on every rank) before the other ranks are awaited
    const int ranks_rc = wait_ranks(helper_ranks, 1, dist_timeout);
    return rc != 0 ? rc : ranks_rc;
}

}  // namespace ganscope
