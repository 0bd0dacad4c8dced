// The ganscope command line: one function per subcommand, each in its own viewer/commands/<name>.cpp. Main thread.
#pragma once

namespace ganscope {

// Each returns the process exit code. argv[0] is the subcommand name ("train", "bench", ...).
int run_train(int argc, char** argv);      // train.cpp: headless training (and the window with no --headless)
int run_bench(int argc, char** argv);      // bench.cpp: benchmarks printing `ratio: X` last
int run_window(int argc, char** argv);     // the live window (issue 3); `ganscope` with no arguments
int run_translate(int argc, char** argv);  // translate.cpp: pix2pix batch inference (issue 4)
int run_data(int argc, char** argv);       // data.cpp: data tools such as `data combine` (issue 4)
int run_timelapse(int argc, char** argv);  // timelapse.cpp: video from a run's snapshots (issue 5)
int run_eval(int argc, char** argv);       // eval.cpp: the quality metric of a checkpoint, `swd: X` last (issue 16)

}  // namespace ganscope
