// ganscope's entry point: builds the command tree and runs the command given; with none it opens the window.
// Main thread.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"

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
        CommandLine cli;
        cli.version(version_text);
        cli.examples(R"(examples:
  ganscope                                    the window, training the emoji DCGAN
  ganscope --data ~/pictures/art              the window, training on your folder
  ganscope --open runs/NAME/checkpoint.pt     explore a checkpoint without training
  ganscope train --headless --steps 5000 --out runs/emoji
  ganscope train --headless --resume runs/emoji --steps 2000
  ganscope train --headless --model pix2pix --pairs sketch
  ganscope timelapse runs/emoji --out emoji.mp4
  ganscope runs                               one line a run under runs/
  ganscope compare runs/a runs/b              both runs in one window: curves, grids, config diff
  ganscope COMMAND --help                     every option of a command)");
        add_window_command(cli);
        add_train_command(cli);
        add_bench_command(cli);
        add_timelapse_command(cli);
        add_translate_command(cli);
        add_data_command(cli);
        add_eval_command(cli);
        add_export_command(cli);
        add_nearest_command(cli);
        add_project_command(cli);
        add_compare_commands(cli);
        return cli.run(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << "ganscope: " << e.what() << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ganscope: " << e.what() << std::endl;
        return 1;
    }
}
