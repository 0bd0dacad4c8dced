// Recorder, grid frames and latent walks: grids fed through a real LatestSlot land in the file as captioned
// frames, every N steps, not while paused; walks are smooth and stay on the latent sphere. Main thread.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <tuple>

#include <stb/stb_image.h>  // render links libstb; its include folder is private to it

#include "viewer/features/record/latent_walk.h"
#include "viewer/features/record/recorder.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
    fs::path dir = fs::path(GANSCOPE_BINARY_DIR) / "test-work" / "viewer" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// A 4-image grid whose pixels all hold `value` in [-1, 1].
SampleGrid grid_at(int64_t step, float value) {
    SampleGrid g;
    g.step = step;
    g.epoch = step / 20;
    g.images = torch::full({4, 3, 8, 8}, value);
    return g;
}

bool wait_for(const std::function<bool()>& done) {
    for (int i = 0; i < 400; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
}

}  // namespace

TEST_CASE("grid_to_frame: layout, pixel-repeat scaling and the same rounding as tensor_to_image") {
    torch::Tensor images = torch::full({4, 3, 8, 8}, -1.0f);
    images[3].fill_(0.5f);  // (0.5 + 1) * 127.5 = 191.25 -> 191
    FrameLayout layout;
    layout.columns = 2;
    layout.padding = 2;
    RgbFrame natural = grid_to_frame(images, layout);
    CHECK(natural.width == 2 * 10 + 2);
    CHECK(natural.height == 2 * 10 + 2);
    CHECK(natural.at(0, 0)[0] == 255);            // padding is white
    CHECK(natural.at(2, 2)[1] == 0);              // image 0 is black
    CHECK(natural.at(12 + 3, 12 + 3)[2] == 191);  // image 3
    layout.min_width = 50;                        // 22 -> x3 = 66
    RgbFrame scaled = grid_to_frame(images, layout);
    CHECK(scaled.width == 66);
    CHECK(scaled.at(3 * 15, 3 * 15)[0] == 191);
    layout.min_width = 0;
    layout.width = 100;  // not a multiple: bilinear, height follows the aspect
    CHECK(grid_to_frame(images, layout).height == 100);
    CHECK(default_columns(64, false) == 8);
    CHECK(default_columns(9, true) == 3);    // 3 pix2pix items: one triplet per row
    CHECK(default_columns(24, true) == 6);   // 8 items: two triplets per row, four rows
    CHECK(default_columns(10, true) == 4);   // not triplets after all: square-ish
}

TEST_CASE("Recorder: grids every N steps become captioned frames; paused grids are passed over") {
    fs::path dir = scratch("recorder") / "frames";
    LatestSlot<SampleGrid> samples;
    LatestSlot<TrainerStatus> status;
    RecorderOptions options;
    options.video.path = dir.string() + "/";
    options.video.format = VideoFormat::PngSequence;
    options.every_steps = 10;
    options.layout.min_width = 0;
    options.poll = std::chrono::milliseconds(2);
    Recorder recorder(samples, &status, options);
    REQUIRE(recorder.status().running);

    // Steps 0..30 by 5: 0, 10, 20, 30 are due. Each grid is a different grey so frames can be told apart.
    for (int64_t step = 0; step <= 30; step += 5) {
        samples.publish(grid_at(step, -1.0f + float(step) / 50.0f));
        if (step % 10 == 0) REQUIRE(wait_for([&] { return recorder.status().last_step == step; }));
        else std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    recorder.set_paused(true);
    samples.publish(grid_at(40, 0.9f));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(recorder.status().last_step == 30);
    recorder.set_paused(false);
    samples.publish(grid_at(50, 0.0f));  // -1 + 50 / 50, as the formula below expects
    REQUIRE(wait_for([&] { return recorder.status().last_step == 50; }));
    RecorderStatus done = recorder.stop();
    CHECK_FALSE(done.running);
    CHECK(done.video.state == VideoState::Finished);
    CHECK(done.video.frames_written == 5);  // 0, 10, 20, 30, 50

    const int64_t expect_steps[] = {0, 10, 20, 30, 50};
    for (int i = 0; i < 5; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", i);
        int w = 0, h = 0, c = 0;
        stbi_uc* px = stbi_load((dir / name).c_str(), &w, &h, &c, 3);
        REQUIRE(px != nullptr);
        CHECK(w == 22);  // 2 x 2 grid of 8-pixel images with 2-pixel padding
        CHECK(h > 22);   // a caption band above it
        // The first image's top-left pixel, just under the band: the grid's grey for that step.
        const int y = h - 22 + 2, x = 2;
        const int expected = int(std::lround((float(expect_steps[i]) / 50.0f) * 127.5f));
        CHECK(std::abs(int(px[(y * w + x) * 3]) - expected) <= 1);
        // Caption text: some light pixels in the band.
        int lit = 0;
        for (int k = 0; k < (h - 22) * w; ++k) lit += px[k * 3] > 150;
        CHECK(lit > 5);
        stbi_image_free(px);
    }
}

TEST_CASE("Recorder: a cadence finer than the run's grids takes the grids published by the clock between them") {
    fs::path dir = scratch("recorder_clock") / "frames";
    LatestSlot<SampleGrid> samples;
    RecorderOptions options;
    options.video.path = dir.string() + "/";
    options.video.format = VideoFormat::PngSequence;
    options.every_steps = 50;  // the run writes grids every 100 steps and publishes others every few seconds
    options.layout.min_width = 0;
    options.poll = std::chrono::milliseconds(2);
    options.caption = false;
    Recorder recorder(samples, nullptr, options);
    // (step, by clock, expected to be recorded): the first grid at or past each multiple of 50 becomes a frame.
    const std::tuple<int64_t, bool, bool> grids[] = {{0, false, true},   {23, true, false}, {47, true, false},
                                                     {71, true, true},   {94, true, false}, {100, false, true},
                                                     {118, true, false}, {152, true, true}, {200, false, true}};
    int64_t frames = 0;
    for (const auto& [step, by_clock, recorded] : grids) {
        SampleGrid g = grid_at(step, 0.0f);
        g.by_clock = by_clock;
        samples.publish(g);
        if (recorded) {
            ++frames;
            const int64_t s = step;
            REQUIRE(wait_for([&] { return recorder.status().last_step == s; }));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            CHECK(recorder.status().last_step < step);
        }
    }
    const RecorderStatus done = recorder.stop();
    CHECK(done.video.frames_written == frames);  // 0, 71, 100, 152, 200
}

TEST_CASE("Recorder with an unwritable path reports it and stays out of the way") {
    LatestSlot<SampleGrid> samples;
    RecorderOptions options;
    options.video.path = "/nonexistent-folder/t.mp4";
    Recorder recorder(samples, nullptr, options);
    samples.publish(grid_at(0, 0.0f));
    RecorderStatus s = recorder.stop();
    CHECK_FALSE(s.running);
    CHECK(s.video.state == VideoState::Failed);
    CHECK(timelapse_summary(s).find("/nonexistent-folder") != std::string::npos);
}

TEST_CASE("slerp: endpoints, norm kept between equal-norm latents, parallel rows fall back to lerp") {
    torch::manual_seed(1);
    auto a = torch::randn({3, 16}), b = torch::randn({3, 16});
    b = b / b.norm(2, -1, true) * a.norm(2, -1, true);
    CHECK(torch::allclose(slerp_rows(a, b, 0.0), a, 1e-5, 1e-5));
    CHECK(torch::allclose(slerp_rows(a, b, 1.0), b, 1e-5, 1e-5));
    CHECK(torch::allclose(slerp_rows(a, b, 0.37).norm(2, -1), a.norm(2, -1), 1e-4, 1e-4));
    CHECK(torch::allclose(slerp_rows(a, 2 * a, 0.5), 1.5 * a, 1e-5, 1e-5));
}

TEST_CASE("latent walks: interpolation loops through keyframes; the random walk is smooth on the sphere") {
    WalkOptions o;
    o.kind = WalkKind::Interpolate;
    o.count = 2;
    o.frames = 60;
    o.keyframes = 4;
    LatentPath interp(16, o);
    CHECK(interp.at(0).sizes() == torch::IntArrayRef({2, 16}));
    // Keyframes sit every frames/keyframes frames; between them the path moves, and it closes the loop.
    CHECK(torch::allclose(interp.at(15), LatentPath(16, o).at(15)));  // deterministic
    CHECK_FALSE(torch::allclose(interp.at(0), interp.at(15)));
    double last_step = (interp.at(59) - interp.at(0)).norm().item<double>();
    double mid_step = (interp.at(8) - interp.at(7)).norm().item<double>();
    CHECK(last_step < 3 * mid_step);  // the loop's seam is no bigger a jump than the path itself

    o.kind = WalkKind::Random;
    o.frames = 100;
    o.speed = 0.05;
    LatentPath walk(64, o);
    for (int f = 0; f < 100; f += 9)
        CHECK(walk.at(f).norm(2, -1).sub(8.0).abs().max().item<double>() < 1e-3);  // radius sqrt(64)
    for (int f = 1; f < 100; f += 7) {
        auto cos = (walk.at(f) * walk.at(f - 1)).sum(-1) / 64.0;
        CHECK(cos.min().item<double>() == doctest::Approx(std::cos(0.05)).epsilon(1e-3));
    }
    CHECK_THROWS_AS(parse_walk_kind("sideways"), std::invalid_argument);
}
