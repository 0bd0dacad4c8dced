// Helpers for ml tests: scratch folders and small synthetic image sets the tests make themselves.
#pragma once

#include <filesystem>
#include <random>
#include <string>

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

}  // namespace ganscope::test
