// Helpers for ml tests: scratch folders and small synthetic image sets the tests make themselves.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "ml/config.h"
#include "ml/data/image.h"

namespace ganscope::test {

// A fresh, empty folder under the build tree, named after the test.
inline std::string scratch_dir(const std::string& name) {
    const std::string dir = std::string(GANSCOPE_BINARY_DIR) + "/test-work/ml/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// A coloured disc on a contrasting background: simple structure a GAN can see.
inline Image synthetic_image(int size, uint32_t seed) {
    std::mt19937 rng(seed);
    Image image(size, size, 3);
    const uint8_t bg[3] = {uint8_t(rng() % 256), uint8_t(rng() % 256), uint8_t(rng() % 256)};
    const uint8_t fg[3] = {uint8_t(255 - bg[0]), uint8_t(255 - bg[1]), uint8_t(255 - bg[2])};
    const float cx = size * (0.3f + 0.4f * float(rng() % 100) / 100), cy = size * (0.3f + 0.4f * float(rng() % 100) / 100);
    const float r = size * (0.15f + 0.15f * float(rng() % 100) / 100);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const bool in = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
            for (int k = 0; k < 3; ++k) image.at(x, y)[k] = in ? fg[k] : bg[k];
        }
    return image;
}

// Writes `count` synthetic PNGs (in nested folders, to exercise recursion) and returns the folder.
inline std::string synthetic_folder(const std::string& name, int count, int size = 24) {
    const std::string dir = scratch_dir(name);
    for (int i = 0; i < count; ++i) {
        const std::string sub = dir + (i % 2 ? "/a" : "/b/c");
        write_png(sub + "/img" + std::to_string(i) + ".png", synthetic_image(size, uint32_t(i + 1)));
    }
    return dir;
}

// A DCGAN small enough to train in a test's seconds on a CPU: 16x16, latent 16, widths 8, batch 4, a 3x3 grid,
// a record every 2 steps, a grid every 4, a snapshot every 3, no periodic checkpoint. Tests change what they need.
inline TrainConfig tiny_dcgan(const std::string& data, int64_t steps) {
    TrainConfig c;
    c.data = data;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 16;
    c.g_width = c.d_width = 8;
    c.batch_size = 4;
    c.grid_count = 9;
    c.steps = steps;
    c.log_every = 2;
    c.sample_every = 4;
    c.checkpoint_every = 1000;
    c.snapshot_every = 3;
    return c;
}

// A pix2pix as small: 32x32 (the smallest U-Net), widths 4, batch 2, 16 validation pairs.
inline TrainConfig tiny_pix2pix(const std::string& data) {
    TrainConfig c;
    c.model = "pix2pix";
    c.data = data;
    c.device = "cpu";
    c.image_size = 32;
    c.g_width = c.d_width = 4;
    c.batch_size = 2;
    c.grid_count = 16;
    return c;
}

}  // namespace ganscope::test
