// `ganscope` (no arguments), `ganscope --data DIR`, `--resume runs/NAME`, `--open CHECKPOINT`, and
// `--headless --screenshot PATH --frames N`: the live window. Main thread.
#include <atomic>
#include <filesystem>
#include <csignal>
#include <iostream>

#include "viewer/window/app.h"
#include "viewer/commands/commands.h"
#include "viewer/commands/launch.h"
#include "viewer/commands/train_options.h"

namespace ganscope {
namespace {
std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted = true; }
}  // namespace

void add_window_options(Args& args) {
    args.text("screenshot", "PATH", "with --headless: save the last frame as PNG");
    args.whole("frames", "N", "with --headless: frames to draw (default 60)");
    args.text("window-size", "WxH", "window size in pixels (default 1280x800)");
    args.number("wait", "S", "with --headless: seconds to wait for the first grid before the screenshot (default 120)");
    args.flag("no-vsync", "draw without waiting for the display's refresh");
}

// The window's own options, common to every way of opening it.
AppOptions window_options_from(const Args& args) {
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
    return options;
}

namespace {

int show(AppOptions options, const Args* serve) {
    // Ctrl-C or SIGTERM closes the window as its close button does: a local trainer saves a final checkpoint.
    options.interrupted = &g_interrupted;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    App app(std::move(options));
    // One line where the window came from, before it opens: what it shows, and where its run writes.
    std::cout << "ganscope: " << app.source().kind() << " " << app.source().name();
    if (!app.source().run_dir().empty() && app.source().run_dir() != app.source().name())
        std::cout << " (run folder " << app.source().run_dir() << ")";
    std::cout << std::endl;
    // Stops before the App. It waits for the App's trainer, which works on its own thread, to hold its folder.
    std::unique_ptr<RunServer> server =
        serve ? start_serving(*serve, app.source(), [] { return g_interrupted.load(); }) : nullptr;
    return app.run();
}

int watch(const Args& args) {
    if (args.positionals().size() != 1) throw UsageError("give one run folder or URL: ganscope watch runs/NAME");
    const std::string dir = args.positionals()[0];
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool url = dir.rfind("http://", 0) == 0;
    if (dir.rfind("https://", 0) == 0)
        throw UsageError("watch " + dir + ": ganscope serves plain HTTP; reach a remote one through ssh -L and http://127.0.0.1:PORT");
    if (!url && args.has("token")) throw UsageError("--token goes with watch http://HOST:PORT");
    if (!url && !fs::is_directory(dir, ec))
        throw UsageError("watch " + dir + ": no such run folder (a run writes it: ganscope train --headless --out " +
                         dir + ")");
    AppOptions options = window_options_from(args);
    options.mode = AppOptions::Mode::Watch;
    options.watch_dir = dir;
    options.watch_token = args.get("token", "");
    options.watch_poll_seconds = args.get_double("poll", 0.25);
    if (!(options.watch_poll_seconds >= 0.02 && options.watch_poll_seconds <= 60))
        throw UsageError("--poll " + args.get("poll") + ": use 0.02 to 60 seconds");
    return show(std::move(options), nullptr);
}

}  // namespace

int run_window(const Args& args) {
    if (args.has("timelapse"))
        throw UsageError("--timelapse records headless runs (`ganscope train --headless --timelapse FILE`); in the "
                         "window use the Record tab");
    AppOptions options = window_options_from(args);
    if (args.has("open")) {
        if (args.has("resume") || args.has("data"))
            throw UsageError("--open explores a checkpoint without training; leave out --resume and --data");
        options.mode = AppOptions::Mode::Open;
        options.checkpoint = args.get("open");
    } else {
        options.trainer.config = config_from_args(args);
        options.trainer.start_paused = args.has("paused");
        run_folder_from_args(args, options.trainer);
    }
    // Distributed: `ganscope --nproc N` trains on N local ranks, this window being rank 0.
    std::vector<int> helper_ranks;
    const auto dist_timeout = std::chrono::seconds(int64_t(dist_timeout_seconds(args) + 0.999));
    if (args.has("nproc") && !std::getenv("WORLD_SIZE")) {
        if (args.has("open")) throw UsageError("--nproc trains on several ranks; it does not go with --open");
        helper_ranks = start_helper_ranks(raw_argc(), raw_argv(), args.get_int("nproc", 1), train_value_options(),
                                          train_flag_options());
    }
    if (!args.has("open")) {
        options.trainer.dist = dist_options_from_env();
        options.trainer.dist.timeout = dist_timeout;
    }
    // The App stops its trainer (a final checkpoint on every rank) before the other ranks are awaited.
    const int rc = show(std::move(options), &args);
    const int ranks_rc = wait_ranks(helper_ranks, 1, dist_timeout);
    return rc != 0 ? rc : ranks_rc;
}

}  // namespace ganscope

namespace ganscope {

void add_window_command(CommandLine& cli) {
    const char* headless = "no window: draw offscreen (EGL) for --frames frames, then save --screenshot";
    Args& args = cli.root(run_window);
    add_train_options(args);
    args.flag("headless", headless);
    args.text("open", "FILE", "explore a checkpoint without training");
    add_serve_options(args);
    add_window_options(args);

    Args& w = cli.add(nullptr, "watch",
                      "the window on a run that another process trains and writes (on this machine, or a shared "
                      "or mounted disk): metrics, grids and snapshots followed as they appear; read-only",
                      watch);
    w.positional("runs/NAME|http://HOST:PORT", "the run folder (--out of the training run), or the address a run's "
                 "--serve printed")->required();
    w.text("token", "T", "with http://: the served run's token (its serve.token), to steer it; without: read-only");
    w.number("poll", "S", "seconds between looks at the folder (default 0.25)");
    w.flag("headless", headless);
    add_window_options(w);
}

}  // namespace ganscope
