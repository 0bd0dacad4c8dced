// ml_tests entry point (doctest), and the child modes the hostile-file tests run in a fresh process to measure
// the peak memory of one read (tests/ml/hostile_util.h: child_peak_kib).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/run/history.h"
#include "ml/run/reference_weights.h"

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--child-read-weights") == 0) {
        try {
            ganscope::load_reference_generator(argv[2], torch::kCPU);
            std::cout << "loaded\n";
        } catch (const std::exception& e) {
            std::cout << "refused: " << e.what() << "\n";
        }
        return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "--child-read-checkpoint") == 0) {
        try {
            ganscope::read_checkpoint_meta(argv[2]);
            std::cout << "loaded\n";
        } catch (const std::exception& e) {
            std::cout << "refused: " << e.what() << "\n";
        }
        return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "--write-fuzz-seeds") == 0) {
        // The ganscope-made part of tests/fuzz/corpus/checkpoint (the rest: tests/fuzz/make_corpus.py), and the
        // seeds of its siblings fixed_latents/ and snapshot/.
        using namespace ganscope;
        const std::string dir = argv[2];
        TrainConfig c;
        c.device = "cpu";
        c.image_size = 16;
        c.latent_dim = 2;
        c.g_width = c.d_width = 1;
        c.grid_count = 2;
        DcganTask task(c, torch::kCPU);
        write_checkpoint(dir + "/checkpoint.pt", task, {c, 3, {1, 2}});
        write_tensor_file(dir + "/fixed_latents.pt", torch::randn({2, 2}));
        save_snapshot(dir + "/history_snapshot.pt", task.snapshot_generator(3));
        const std::string corpus = std::filesystem::path(dir).parent_path().string();
        std::filesystem::create_directories(corpus + "/fixed_latents");
        std::filesystem::create_directories(corpus + "/snapshot");
        write_tensor_file(corpus + "/fixed_latents/fixed_latents.pt", torch::randn({2, 2}));
        save_snapshot(corpus + "/snapshot/history_snapshot.pt", task.snapshot_generator(3));
        return 0;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
