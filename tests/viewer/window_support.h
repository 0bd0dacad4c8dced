// What the window tests share: drawing frames until a condition holds, a clean work folder, and the pixels a
// texture must hold. Test (GL) thread only.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/data/image.h"
#include "render/texture.h"
#include "viewer/window/app.h"

namespace ganscope::test {

// Draws frames until `done` or the timeout; returns whether `done` became true.
template <class F>
bool frames_until(App& app, F done, double seconds = 90) {
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        app.frame();
        if (done()) return true;
    }
    return false;
}

// A DCGAN small enough to train in the test's seconds: 16x16, widths 8, batch 8, a 3x3 grid, everything
// published every `publish_every` steps.
inline TrainConfig tiny_dcgan_config(const std::string& data, int publish_every, uint64_t seed) {
    TrainConfig c;
    c.data = data;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 16;
    c.g_width = 8;
    c.d_width = 8;
    c.batch_size = 8;
    c.grid_count = 9;
    c.sample_every = publish_every;
    c.snapshot_every = publish_every;
    c.log_every = 1;
    c.loader_workers = 1;
    c.seed = seed;
    return c;
}

// A pix2pix run as small: 16x16, widths 8, batch 4, 3 validation pairs, seed 3, published every `publish_every`.
inline TrainConfig tiny_pix2pix_config(const std::string& data, int publish_every) {
    TrainConfig c;
    c.model = "pix2pix";
    c.data = data;
    c.device = "cpu";
    c.image_size = 16;
    c.g_width = 8;
    c.d_width = 8;
    c.batch_size = 4;
    c.grid_count = 3;
    c.sample_every = publish_every;
    c.snapshot_every = publish_every;
    c.log_every = 1;
    c.loader_workers = 1;
    c.seed = 3;
    return c;
}

// build/test-work/viewer/NAME, emptied.
inline std::string work_dir(const std::string& name) {
    auto dir = std::filesystem::path(GANSCOPE_BINARY_DIR) / "test-work" / "viewer" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

// What a texture must hold for a C x H x W image in [-1, 1]: converted exactly as the App converts it.
inline std::vector<uint8_t> expected_rgba(const torch::Tensor& chw) {
    auto c = chw.contiguous();
    const int h = int(c.size(1)), w = int(c.size(2));
    const float* p = c.data_ptr<float>();
    std::vector<uint8_t> out(size_t(w) * h * 4);
    for (int i = 0; i < w * h; ++i) {
        out[4 * i + 0] = unit_to_byte(p[i]);
        out[4 * i + 1] = unit_to_byte(p[w * h + i]);
        out[4 * i + 2] = unit_to_byte(p[2 * w * h + i]);
        out[4 * i + 3] = 255;
    }
    return out;
}

// An RGB image as RGBA8 rows, opaque.
inline std::vector<uint8_t> rgba_of(const Image& rgb) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < rgb.pixels.size(); i += 3)
        out.insert(out.end(), {rgb.pixels[i], rgb.pixels[i + 1], rgb.pixels[i + 2], 255});
    return out;
}

inline int max_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    REQUIRE(a.size() == b.size());
    int worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
    return worst;
}

}  // namespace ganscope::test
