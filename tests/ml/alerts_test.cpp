// Alerts: each detector on made-up curves (raised once, with its evidence; quiet while healthy or warming up;
// news again after a recovery), the diversity measure, and alerts.jsonl read back.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "ml/train/alerts.h"
#include "ml/train/quality.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

StepMetrics record(int64_t step, double d_real = 0.7, double d_fake = 0.3, double swd = std::nan("")) {
    StepMetrics m;
    m.step = step;
    m.loss_g = 1.0;
    m.loss_d = 1.2;
    m.d_real = d_real;
    m.d_fake = d_fake;
    m.swd = swd;
    return m;
}

}  // namespace

TEST_CASE("alerts: collapse when the diversity falls far below the data's and its own best, and stays there") {
    AlertDetector d;
    // A fresh generator draws nearly one image, and that is no collapse: not armed before it has learnt to vary.
    for (int64_t s = 0; s < 500; s += 100) CHECK(d.on_diversity(s, 0.05).empty());
    CHECK(d.on_diversity(500, 0.9).empty());
    CHECK(d.on_diversity(600, 0.3).empty());
    CHECK(d.on_diversity(700, 0.3).empty());  // low for 100 steps: not yet
    const auto raised = d.on_diversity(800, 0.28);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].kind == "collapse");
    CHECK(raised[0].step == 800);
    CHECK(raised[0].series == "diversity");
    CHECK(raised[0].evidence.back() == std::pair<int64_t, double>(800, 0.28));
    CHECK(raised[0].message.find("0.28 of the data's, down from 0.90, and has stayed low since step 600") !=
          std::string::npos);
    CHECK(d.on_diversity(900, 0.25).empty());  // still collapsed: said once
    CHECK(d.on_diversity(1000, 0.8).empty());  // recovered
    for (int64_t s = 1100; s < 1300; s += 100) CHECK(d.on_diversity(s, 0.3).empty());
    CHECK(d.on_diversity(1300, 0.3).size() == 1);  // collapsed again: news again
    // A generator that never learns to vary, and one whose diversity dips a little (a 1-d latent), raise nothing.
    AlertDetector never, dips;
    for (int64_t s = 0; s < 5000; s += 100) CHECK(never.on_diversity(s, 0.12).empty());
    for (int64_t s = 0; s < 5000; s += 100) CHECK(dips.on_diversity(s, s < 1000 ? 0.69 : 0.45).empty());
}

TEST_CASE("alerts: divergence when D wins completely for 300 steps, or the losses are not finite") {
    AlertDetector d;
    for (int64_t s = 10; s <= 200; s += 10) CHECK(d.on_metrics(record(s), true).empty());
    for (int64_t s = 210; s < 510; s += 10) CHECK(d.on_metrics(record(s, 0.999, 0.001), true).empty());
    const auto raised = d.on_metrics(record(510, 0.999, 0.001), true);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].kind == "divergence");
    CHECK(raised[0].message.find("on average since step 210") != std::string::npos);
    CHECK(raised[0].series == "d_real");
    // The same scores from an objective without probabilities (hinge, wgan-gp) mean nothing.
    AlertDetector raw;
    for (int64_t s = 10; s < 1000; s += 10) CHECK(raw.on_metrics(record(s, 0.999, 0.001), false).empty());
    StepMetrics nan = record(1000);
    nan.loss_g = std::nan("");
    const auto non_finite = raw.on_metrics(nan, false);
    REQUIRE(non_finite.size() == 1);
    CHECK(non_finite[0].message.find("not finite") != std::string::npos);
    // A model without a discriminator (seed 004) logs no D loss: that is not a divergence.
    StepMetrics palette = record(10, std::nan(""), std::nan(""));
    palette.loss_d = std::nan("");
    CHECK(AlertDetector().on_metrics(palette, false).empty());
}

TEST_CASE("alerts: the quality metric climbing is divergence; no gain for eight evaluations is a stall") {
    AlertDetector climb;
    const double swd[] = {90, 60, 40, 30, 35, 50, 55};  // best 30, then 1.5x or worse twice
    std::vector<Alert> raised;
    for (int i = 0; i < 7; ++i)
        for (const Alert& a : climb.on_metrics(record(500 * (i + 1), 0.7, 0.3, swd[i]), true)) raised.push_back(a);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].kind == "divergence");
    CHECK(raised[0].step == 3500);
    CHECK(raised[0].series == "swd");
    CHECK(raised[0].evidence.size() == 7);

    AlertDetector flat;
    std::vector<Alert> stalls;
    // Healthy: each evaluation a little better than the best (by more than 2 %).
    double v = 100;
    for (int i = 1; i <= 20; ++i, v *= 0.95) CHECK(flat.on_metrics(record(500 * i, 0.7, 0.3, v), true).empty());
    // Then within 1 % of the best, up and down, for eight evaluations.
    const double best = v / 0.95;
    for (int i = 21; i <= 29; ++i)
        for (const Alert& a : flat.on_metrics(record(500 * i, 0.7, 0.3, best * (i % 2 ? 1.005 : 0.995)), true))
            stalls.push_back(a);
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].kind == "stall");
    CHECK(stalls[0].step == 500 * 28);
}

TEST_CASE("alerts: the quality rules read FID once the run logs it, swd until then") {
    // swd every 500 steps, FID every 1,000 (--fid-every 1000): both in the records of steps 1000, 2000, ...
    auto both = [](int64_t step, double swd, double fid) {
        StepMetrics m = record(step, 0.7, 0.3, swd);
        m.fid = fid;
        return m;
    };
    // FID climbs (best 100, then 160 and 170) while swd keeps falling: a divergence, named and shown by FID.
    AlertDetector climb;
    std::vector<Alert> raised;
    const double fid[] = {300, 180, 100, 160, 170};
    double swd = 90;
    for (int i = 0; i < 5; ++i) {
        for (const Alert& a : climb.on_metrics(record(1000 * i + 500, 0.7, 0.3, swd *= 0.9), true)) raised.push_back(a);
        for (const Alert& a : climb.on_metrics(both(1000 * (i + 1), swd *= 0.9, fid[i]), true)) raised.push_back(a);
    }
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].kind == "divergence");
    CHECK(raised[0].step == 5000);
    CHECK(raised[0].series == "fid");
    CHECK(raised[0].message.find("fid is 170, 1.7x its best (100)") != std::string::npos);
    CHECK(raised[0].evidence.size() == 5);
    CHECK(raised[0].evidence.back() == std::pair<int64_t, double>(5000, 170));

    // swd climbs 3x while FID improves: once FID is logged swd's climb is not read (before it, it is).
    AlertDetector swd_climbs;
    double f = 300;
    for (int i = 1; i <= 6; ++i)
        CHECK(swd_climbs.on_metrics(both(1000 * i, i < 3 ? 40.0 : 120.0, f *= 0.8), true).empty());
    AlertDetector swd_only;
    std::vector<Alert> swd_raised;
    for (int i = 1; i <= 6; ++i)
        for (const Alert& a : swd_only.on_metrics(record(1000 * i, 0.7, 0.3, i < 3 ? 40.0 : 120.0), true))
            swd_raised.push_back(a);
    REQUIRE(swd_raised.size() == 1);
    CHECK(swd_raised[0].series == "swd");

    // A stall is FID's: swd flat for twenty evaluations raises nothing while FID keeps improving; then FID flat for
    // eight evaluations is a stall, though swd improves.
    AlertDetector flat;
    std::vector<Alert> stalls;
    double fv = 200;
    for (int i = 1; i <= 20; ++i) CHECK(flat.on_metrics(both(1000 * i, 50.0, fv *= 0.95), true).empty());
    double sv = 50;
    for (int i = 21; i <= 29; ++i)
        for (const Alert& a : flat.on_metrics(both(1000 * i, sv *= 0.9, fv * (i % 2 ? 1.005 : 0.995)), true))
            stalls.push_back(a);
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].kind == "stall");
    CHECK(stalls[0].step == 28000);
    CHECK(stalls[0].series == "fid");
    CHECK(stalls[0].message.find("stall: fid has not improved") != std::string::npos);
}

TEST_CASE("alerts: records round-trip through JSON; alerts.jsonl skips a line being written") {
    Alert a{"collapse", 1200, "mode collapse: ...", "diversity", {{1000, 0.1}, {1100, 0.09}, {1200, std::nan("")}}};
    const Alert b = Alert::from_json(a.to_json());
    CHECK(b.kind == "collapse");
    CHECK(b.step == 1200);
    CHECK(b.evidence.size() == 3);
    CHECK(std::isnan(b.evidence[2].second));
    CHECK(alert_line(a) == "alert (collapse) at step 1200: mode collapse: ...");
    const std::string path = test::scratch_dir("alerts_file") + "/alerts.jsonl";
    std::ofstream(path) << a.to_json().dump() << "\n"
                        << "{\"kind\": \"sta";
    const auto read = read_alerts_file(path);
    REQUIRE(read.size() == 1);
    CHECK(read[0].step == 1200);
    CHECK(read_alerts_file(path + ".none").empty());
}

TEST_CASE("image_spread: zero for copies of one image, the same for any count of the same spread") {
    torch::manual_seed(1);
    const torch::Tensor one = torch::rand({1, 3, 32, 32}) * 2 - 1;
    CHECK(image_spread(one.repeat({8, 1, 1, 1})) == doctest::Approx(0.0).epsilon(1e-6));
    CHECK(std::isnan(image_spread(one)));
    const torch::Tensor many = torch::rand({64, 3, 32, 32}) * 2 - 1;
    const double all = image_spread(many), half = image_spread(many.narrow(0, 0, 32));
    CHECK(all > 0.1);
    CHECK(half == doctest::Approx(all).epsilon(0.1));  // an average over pairs: not a sum
    CHECK(image_spread(many * 0.5) == doctest::Approx(all * 0.5).epsilon(1e-4));
}

TEST_CASE("alerts: copying when most varied samples sit nearer a training image than the data's own neighbours") {
    AlertDetector d;
    // Each grid: its diversity, then its copying score, as the trainer measures them.
    // Here the share within half the data's distance moves with the score.
    auto grid = [&](int64_t step, double copying, double diversity = 0.8) {
        d.on_diversity(step, diversity);
        return d.on_copying(step, copying, copying);
    };
    // Samples like the data score about one half, early blobs near 0: no alert.
    for (int64_t s = 0; s < 1000; s += 100) CHECK(grid(s, s < 500 ? 0.0 : 0.55).empty());
    CHECK(grid(1000, 0.95).empty());
    CHECK(grid(1100, 0.92).empty());  // two grids: not yet
    CHECK(grid(1150, 0.97).empty());  // three, but over 150 steps only
    const auto raised = grid(1200, 1.0);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].kind == "copying");
    CHECK(raised[0].series == "copying");
    CHECK(raised[0].step == 1200);
    CHECK(raised[0].message.find("100 % of the fixed-latent samples are within 0.5 of the distance") !=
          std::string::npos);
    CHECK(raised[0].message.find("since step 1000") != std::string::npos);
    CHECK(raised[0].evidence.back() == std::pair<int64_t, double>{1200, 1.0});
    CHECK(grid(1300, 1.0).empty());                                            // said once
    CHECK(grid(1400, 0.8).empty());                                            // below the line, not clear of it
    for (int64_t s = 1500; s <= 1800; s += 100) CHECK(grid(s, 0.95).empty());  // hovering: not again
    CHECK(grid(1900, 0.6).empty());                                            // clear: a later rise is news again
    for (int64_t s = 2000; s < 2200; s += 100) CHECK(grid(s, 0.95).empty());
    CHECK(grid(2200, 0.95).size() == 1);
    CHECK(d.on_copying(2300, std::nan(""), std::nan("")).empty());
}

TEST_CASE("alerts: rough approximations of a few very different images are no copying") {
    // Measured (docs/alerts.md): 8 training images, samples 39-66 levels from their nearest, which the images keep
    // 73 from each other: every sample is nearer than that (score 1.0), none within half of it.
    AlertDetector d;
    for (int64_t s = 0; s <= 2000; s += 100) {
        d.on_diversity(s, 0.55);
        CHECK(d.on_copying(s, 1.0, 0.0).empty());
    }
}

TEST_CASE("alerts: a blur near every training image is no copying") {
    AlertDetector d;
    // A generator drawing one grey average is nearer each training image of a colourful set than they are to
    // each other (score 1), but its samples do not vary: not counted.
    for (int64_t s = 0; s <= 2000; s += 100) {
        d.on_diversity(s, 0.05);
        CHECK(d.on_copying(s, 1.0, 1.0).empty());
    }
    // A score without this grid's diversity (none measured) is not counted either.
    AlertDetector alone;
    for (int64_t s = 0; s <= 2000; s += 100) CHECK(alone.on_copying(s, 1.0, 1.0).empty());
}
