// `ganscope runs [DIR]`: one line a run found under DIR; `ganscope compare RUN...`: one window with several runs
// (curves overlaid, grids side by side, runs table and config diff), or their config diff printed. Main thread.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml/run/checkpoint.h"
#include "ml/run/run_summary.h"
#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"
#include "viewer/window/app.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;

int list_runs(const Args& args) {
    if (args.positionals().size() > 1) throw UsageError("give one folder: ganscope runs [DIR]");
    const std::string dir = args.positionals().empty() ? "runs" : args.positionals()[0];
    std::vector<RunSummary> runs;
    try {
        runs = find_runs(dir);
    } catch (const std::exception& e) {
        std::cerr << "ganscope runs: " << e.what() << std::endl;
        return 1;
    }
    if (runs.empty()) std::cout << "no runs under " << dir << std::endl;
    for (const RunSummary& r : runs) std::cout << describe_run(r) << std::endl;
    return 0;
}

// A run's config as its files say it (a folder's config.json, a checkpoint's own); throws when unreadable.
nlohmann::json config_of(const std::string& what) {
    std::error_code ec;
    if (fs::is_regular_file(what, ec)) return read_checkpoint_meta(what).config.to_json();
    std::ifstream in(what + "/config.json");
    return TrainConfig::from_json(nlohmann::json::parse(in)).to_json();
}

int print_diff(const std::vector<SavedCompareRun>& runs, bool all_keys) {
    std::vector<nlohmann::json> configs;
    std::string header = "key";
    for (const SavedCompareRun& r : runs) {
        if (r.what.rfind("http://", 0) == 0) {
            std::cerr << "ganscope compare: " << r.what
                      << ": --print-diff reads files; open the window for a served run" << std::endl;
            return 2;
        }
        configs.push_back(config_of(r.what));
        header += "\t" + r.what;
    }
    std::cout << header << std::endl;
    for (const ConfigDiffRow& row : config_diff(configs, all_keys)) {
        std::cout << row.key;
        for (const std::string& v : row.values) std::cout << "\t" << (v.empty() ? "(none)" : v);
        std::cout << std::endl;
    }
    return 0;
}

int compare(const Args& args) {
    // Each URL takes the next --token given (in order).
    const std::vector<std::string> tokens = args.app()->get_option("--token")->results();
    std::vector<SavedCompareRun> runs;
    size_t next_token = 0;
    for (const std::string& what : args.positionals()) {
        if (const std::string problem = run_path_problem(what); !problem.empty()) {
            std::cerr << "ganscope compare: " << problem << std::endl;  // one line; the others open
            continue;
        }
        SavedCompareRun r;
        r.what = what;
        if (what.rfind("http://", 0) == 0 && next_token < tokens.size()) r.token = tokens[next_token++];
        runs.push_back(std::move(r));
    }
    if (next_token < tokens.size()) throw UsageError("--token goes with a served run (http://HOST:PORT), one each");
    if (args.positionals().empty()) {
        // No runs given: the comparison the last window had open.
        const std::string state = compare_state_path(default_ini_path());
        runs = read_compare_state(state);
        if (runs.empty())
            throw UsageError(
                "give the runs to compare: ganscope compare runs/a runs/b [http://HOST:PORT --token T] "
                "(no comparison to reopen" +
                (state.empty() ? std::string() : " in " + state) + ")");
        std::cout << "ganscope: reopening the comparison kept in " << state << std::endl;
    }
    if (runs.empty()) return 2;  // every one was refused, each with its line
    if (args.has("print-diff")) return print_diff(runs, args.has("all-keys"));

    AppOptions options = window_options_from(args);
    options.watch_poll_seconds = args.get_double("poll", 0.25);
    if (!(options.watch_poll_seconds >= 0.02 && options.watch_poll_seconds <= 60))
        throw UsageError("--poll " + args.get("poll") + ": use 0.02 to 60 seconds");
    const std::string tab = args.get("tab", "samples");
    options.compare_tab = tab == "curves" ? 1 : tab == "runs" ? 2 : tab == "latent" ? 3 : 0;
    options.compare_at_step = args.get_int64("at-step", -1);

    // The first run is the window's own (its panels show it; a served run with its token is steered); the others
    // are compared with it.
    const SavedCompareRun& own = runs.front();
    std::error_code ec;
    if (fs::is_regular_file(own.what, ec)) {
        options.mode = AppOptions::Mode::Open;
        options.checkpoint = own.what;
    } else {
        options.mode = AppOptions::Mode::Watch;
        options.watch_dir = own.what;
        options.watch_token = own.token;
    }
    options.compare_own = own;
    options.compare.assign(runs.begin() + 1, runs.end());
    App app(std::move(options));
    std::cout << "ganscope: comparing " << runs.size() << " runs" << std::endl;
    return app.run();
}

}  // namespace

void add_compare_commands(CommandLine& cli) {
    Args& r = cli.add(nullptr, "runs",
                      "one line a run found under DIR (default runs/): name, model, steps, last loss_g, loss_d and "
                      "swd, images/s, last update, and whether a writer holds it",
                      list_runs);
    r.positional("DIR", "the folder holding run folders (default runs/)");

    Args& c = cli.add(nullptr, "compare",
                      "one window with several runs: curves overlaid, sample grids side by side at one step, a runs "
                      "table and their config diff; with no runs, the comparison the last window had open",
                      compare);
    c.positional("RUN...", "run folders, checkpoints or http://HOST:PORT served runs; the first is the window's own");
    c.texts("token", "T",
            "a served run's token (its serve.token), to steer it: the first URL takes the first --token, "
            "and so on");
    c.flag("print-diff", "print the config keys whose values differ (key, then one column a run) and exit");
    c.flag("all-keys", "with --print-diff: every key");
    c.choice("tab", {"samples", "curves", "runs", "latent"},
             "the Compare panel's tab in front at start (default samples)");
    c.whole("at-step", "N", "pin every grid to its kept snapshot nearest step N (default: each follows its newest)");
    c.number("poll", "S", "seconds between looks at followed folders (default 0.25)");
    c.flag("headless", "no window: draw offscreen (EGL) for --frames frames, then save --screenshot");
    add_window_options(c);
}

}  // namespace ganscope
