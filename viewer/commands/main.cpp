// ganscope's entry point: dispatches subcommands; with no arguments it opens the window. Main thread.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"
#include "viewer/commands/train_options.h"

namespace {

void print_help() {
    std::cout << R"(ganscope: train GANs and watch them learn

usage:
  ganscope                                   open the window and train the emoji DCGAN
  ganscope train --headless [options]        train without a window (progress in the terminal)
  ganscope train --headless --resume runs/NAME --steps M
  ganscope bench dcgan|pix2pix               training speed against a Python PyTorch reference
  ganscope bench viewer|record|translate     the window's cost, recording's cost, live translation rate
  ganscope train --headless --nproc N ...    train on N local ranks (also under torchrun or srun: docs/distributed.md)
  ganscope bench dist                        2 ranks x 1 thread against 1 process x 2 threads, same global batch
  ganscope timelapse runs/NAME --out F.mp4   a video of the run's history snapshots (.gif, folder/; --walk)
  ganscope train --headless --model pix2pix  image-to-image (default: sketch -> colour pairs from the emoji set)
  ganscope translate --checkpoint FILE --input FILE_OR_DIR --output DIR   pix2pix inference (--help for more)
  ganscope data combine --a DIR --b DIR --out DIR    A|B training images from two folders
  ganscope data pairs --kind edges|sketch|ascii|posterize --out DIR   automatic pairs as A|B images

)" << ganscope::train_options_help();
}

}  // namespace

// libtorch's OpenMP threads spin for a while after each parallel region by default. Beside the GL thread, the
// latent worker and a software rasteriser that burns CPU time they need on a small machine,
// so ganscope asks for passive waiting. libgomp reads the variable when it loads, before main, hence the
// re-exec; an explicit OMP_WAIT_POLICY from the user is respected.
void prefer_passive_openmp(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY")) return;
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then carry on with the default policy
}

int main(int argc, char** argv) {
    using namespace ganscope;
    prefer_passive_openmp(argv);
    try {
        if (argc < 2) return run_window(argc, argv);
        const std::string cmd = argv[1];
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            print_help();
            return 0;
        }
        if (cmd == "train") return run_train(argc - 1, argv + 1);
        if (cmd == "bench") return run_bench(argc - 1, argv + 1);
        if (cmd == "timelapse") return run_timelapse(argc - 1, argv + 1);
        if (cmd == "translate") return run_translate(argc - 1, argv + 1);
        if (cmd == "data") return run_data(argc - 1, argv + 1);
        if (cmd.rfind("--", 0) == 0) return run_window(argc, argv);  // `ganscope --data DIR` and friends
        std::cerr << "ganscope: unknown command '" << cmd << "'; see `ganscope --help`" << std::endl;
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "ganscope: " << e.what() << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ganscope: " << e.what() << std::endl;
        return 1;
    }
}
