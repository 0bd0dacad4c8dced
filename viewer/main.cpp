// ganscope's entry point: dispatches subcommands; with no arguments it opens the window. Main thread.
#include <cstring>
#include <iostream>
#include <string>

#include "viewer/cli.h"
#include "viewer/commands.h"
#include "viewer/train_options.h"

namespace {

void print_help() {
    std::cout << R"(ganscope: train GANs and watch them learn

usage:
  ganscope                                   open the window and train the emoji DCGAN
  ganscope train --headless [options]        train without a window (progress in the terminal)
  ganscope train --headless --resume runs/NAME --steps M
  ganscope bench dcgan                       training speed against a Python PyTorch reference

)" << ganscope::train_options_help();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ganscope;
    try {
        if (argc < 2) return run_window(argc, argv);
        const std::string cmd = argv[1];
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            print_help();
            return 0;
        }
        if (cmd == "train") return run_train(argc - 1, argv + 1);
        if (cmd == "bench") return run_bench(argc - 1, argv + 1);
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
