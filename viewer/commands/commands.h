// The ganscope command line: each command declares its options on the one CLI11 tree (cli.h) and runs with them.
// One file per command in viewer/commands/, the benchmarks in viewer/bench/. Main thread.
#pragma once

#include <functional>

#include <memory>
#include <string>

#include "viewer/commands/cli.h"
#include "viewer/serve/run_server.h"

namespace ganscope {

struct AppOptions;  // viewer/window/app.h

// Each adds its command (and subcommands) to the tree.
void add_window_command(CommandLine& cli);     // window.cpp: `ganscope [options]`, the live window
void add_train_command(CommandLine& cli);      // train.cpp: `ganscope train --headless`, or the window
void add_bench_command(CommandLine& cli);      // bench/bench.cpp: `ganscope bench NAME`, figures with `ratio: X` last
void add_timelapse_command(CommandLine& cli);  // timelapse.cpp: a video from a run's history snapshots
void add_translate_command(CommandLine& cli);  // translate.cpp: pix2pix batch inference
void add_data_command(CommandLine& cli);       // data.cpp: `ganscope data combine|pairs`
void add_eval_command(CommandLine& cli);       // eval.cpp: the quality metric of a checkpoint, `swd: X` last
void add_export_command(CommandLine& cli);     // export.cpp: a checkpoint's network as a PyTorch state_dict
void add_nearest_command(CommandLine& cli);    // nearest.cpp: samples beside their nearest training images
void add_project_command(CommandLine& cli);    // project.cpp: the latent of a real image
void add_compare_commands(CommandLine& cli);   // compare.cpp: `ganscope runs [DIR]` and `ganscope compare RUN...`

// The window's own options (--open, --screenshot, ...), and the window run with them plus the
// training options (train_options.h).
void add_window_options(Args& args);
// What those options ask of the App (headless, size, frames, screenshot, vsync, the layout file); window.cpp.
AppOptions window_options_from(const Args& args);
int run_window(const Args& args);

// --serve [HOST:]PORT and --token T (serve.cpp); start_serving returns null without --serve, else a server on
// `source` (bound, its URL and token printed). It serves only once the source is past starting, so that a refused
// second writer never touches the live run's serve.token, and returns null when the run failed to start or
// `give_up` says so first (a signal).
void add_serve_options(Args& args);
std::unique_ptr<RunServer> start_serving(const Args& args, RunSource& source,
                                         const std::function<bool()>& give_up = {});

// `ganscope --version`: ganscope, libtorch, CUDA, Dear ImGui and GLFW, one per line (version.cpp).
std::string version_text();
// The commit the build came from, with its date ("commit 55e8502, 2026-12-07"); generated (version_stamp.cmake).
const char* build_commit();

}  // namespace ganscope
