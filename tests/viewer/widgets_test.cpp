// Pure pieces of the window: debiased EMA, plot ticks, grid cell hit-testing, frame statistics, explorer latent.
#include <doctest/doctest.h>

#include <cmath>

#include "ml/models/latent.h"
#include "viewer/widgets/frame_stats.h"
#include "viewer/features/latent/latent_panel.h"
#include "viewer/features/samples/samples_panel.h"
#include "viewer/widgets/plot.h"

using namespace ganscope;

TEST_CASE("debiased EMA matches TensorBoard's smoothing") {
    // TensorBoard: last = last * w + (1 - w) * v; smoothed = last / (1 - w^n).
    std::vector<double> v = {1.0, 2.0, 3.0, 10.0};
    auto s = ema_debiased(v, 0.5);
    CHECK(s[0] == doctest::Approx(1.0));  // debiasing: the first point is itself, not half of it
    CHECK(s[1] == doctest::Approx((0.25 * 1 + 0.5 * 2) / 0.75));
    CHECK(s[2] == doctest::Approx((0.125 * 1 + 0.25 * 2 + 0.5 * 3) / 0.875));
    CHECK(s[3] > s[2]);
    CHECK(s[3] < 10.0);
    CHECK(ema_debiased(v, 0.0) == v);
    // A constant series stays constant at any weight (no pull towards zero).
    for (double x : ema_debiased(std::vector<double>(50, 3.5), 0.95)) CHECK(x == doctest::Approx(3.5));
    // NaN keeps the previous value and does not poison what follows.
    auto n = ema_debiased({1.0, NAN, 1.0}, 0.9);
    CHECK(n[1] == doctest::Approx(1.0));
    CHECK(n[2] == doctest::Approx(1.0));
}

TEST_CASE("the hover read-out picks the nearest step, ties to the earlier") {
    const std::vector<double> xs = {0, 10, 20, 40};
    CHECK(nearest_index(xs, -5) == 0);
    CHECK(nearest_index(xs, 4) == 0);
    CHECK(nearest_index(xs, 5) == 0);
    CHECK(nearest_index(xs, 6) == 1);
    CHECK(nearest_index(xs, 31) == 3);
    CHECK(nearest_index(xs, 1e9) == 3);
    CHECK(nearest_index({7}, 0) == 0);
}

TEST_CASE("a followed link takes the data's range; a user's zoom is kept") {
    PlotLink link;
    link.fit(100, 900);
    CHECK(link.x_min == 100);
    CHECK(link.x_max == 900);
    link.fit(5, 5);  // one point: a range of 1, not an empty one
    CHECK(link.x_max - link.x_min == 1);
    link.follow = false;
    link.x_min = 200, link.x_max = 300;
    link.fit(0, 5000);
    CHECK(link.x_min == 200);
    CHECK(link.x_max == 300);
}

TEST_CASE("grid hit-testing maps pixels to cells and padding to none") {
    // 3 columns of 10 px cells with 2 px padding: cell c spans [2 + 12c, 12 + 12c).
    CHECK(SamplesPanel::cell_at(2, 2, 9, 3, 10, 2) == 0);
    CHECK(SamplesPanel::cell_at(11.9f, 11.9f, 9, 3, 10, 2) == 0);
    CHECK(SamplesPanel::cell_at(12.5f, 5, 9, 3, 10, 2) == -1);  // padding between columns
    CHECK(SamplesPanel::cell_at(14, 5, 9, 3, 10, 2) == 1);
    CHECK(SamplesPanel::cell_at(30, 30, 9, 3, 10, 2) == 8);
    CHECK(SamplesPanel::cell_at(30, 30, 7, 3, 10, 2) == -1);  // past the last sample of a partial row
    CHECK(SamplesPanel::cell_at(40, 5, 9, 3, 10, 2) == -1);
    CHECK(SamplesPanel::cell_at(-1, 5, 9, 3, 10, 2) == -1);
}

TEST_CASE("frame statistics: median, p95, max") {
    std::vector<double> ms;
    for (int i = 1; i <= 100; ++i) ms.push_back(i);
    auto s = summarize_frames(ms);
    CHECK(s.frames == 100);
    CHECK(s.median_ms == doctest::Approx(50.5));
    CHECK(s.p95_ms == doctest::Approx(95));
    CHECK(s.max_ms == doctest::Approx(100));
    FrameStats stats(3);
    for (double x : {5.0, 6.0, 7.0, 8.0}) stats.add(x);
    CHECK(stats.recent() == std::vector<double>{6.0, 7.0, 8.0});
    CHECK(stats.summary().frames == 4);
    CHECK(stats.report().find("median 6.5 ms") != std::string::npos);
}

TEST_CASE("the explorer latent adds slider offsets along directions, then truncates") {
    ExplorerModel e;
    e.base = torch::zeros({4});
    e.random_directions = torch::eye(4).narrow(0, 0, 2);
    e.random_offsets = {1.0f, 0.0f};
    e.pca_directions = torch::eye(4).narrow(0, 2, 2);
    e.pca_offsets = {0.0f, 2.0f};
    e.pad_axes[0] = 1;  // random 2
    e.pad_axes[1] = 2;  // PC 1
    e.pad[0] = 0.5f;
    e.pad[1] = -1.0f;
    e.truncation = 0.5f;
    auto z = explorer_latent(e);
    CHECK(torch::allclose(z, torch::tensor({0.5f, 0.25f, -0.5f, 1.0f})));
    auto names = explorer_direction_names(e);
    CHECK(names == std::vector<std::string>{"random 1", "random 2", "PC 1", "PC 2"});
}

TEST_CASE("GANSpace directions follow the run: due after a quarter more steps, signs kept across a refresh") {
    CHECK_FALSE(pca_due(-1, 500));  // never computed: the first request is the module's own
    CHECK_FALSE(pca_due(0, 99));
    CHECK(pca_due(0, 100));
    CHECK_FALSE(pca_due(1000, 1249));
    CHECK(pca_due(1000, 1250));
    const torch::Tensor old = torch::eye(3).narrow(0, 0, 2);  // PC 1 = x, PC 2 = y
    const torch::Tensor fresh = torch::tensor({{-0.8f, 0.6f, 0.0f}, {0.0f, 1.0f, 0.0f}});
    const torch::Tensor aligned = align_directions(fresh, old);
    CHECK(torch::equal(aligned[0], -fresh[0]));  // flipped to point along the old PC 1
    CHECK(torch::equal(aligned[1], fresh[1]));
    CHECK(torch::equal(align_directions(fresh, torch::Tensor()), fresh));
    CHECK(torch::equal(align_directions(fresh, torch::eye(3)), fresh));  // another count: nothing to keep
}
