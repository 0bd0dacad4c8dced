// Latent math: slerp/lerp, orthonormal and PCA directions, truncation, latent text and files, the walk.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "ml/models/dcgan.h"
#include "ml/models/latent.h"
#include "ml/run/module_io.h"

using namespace ganscope;

TEST_CASE("slerp follows the great circle and lerp the chord") {
    auto a = torch::tensor({1.0f, 0.0f, 0.0f});
    auto b = torch::tensor({0.0f, 2.0f, 0.0f});
    CHECK(torch::allclose(slerp_latent(a, b, 0.0), a));
    CHECK(torch::allclose(slerp_latent(a, b, 1.0), b, 1e-5, 1e-6));
    // Halfway between orthogonal vectors: sin(pi/4)/sin(pi/2) of each.
    auto mid = slerp_latent(a, b, 0.5);
    CHECK(mid[0].item<float>() == doctest::Approx(std::sqrt(0.5)).epsilon(1e-5));
    CHECK(mid[1].item<float>() == doctest::Approx(2 * std::sqrt(0.5)).epsilon(1e-5));
    CHECK(torch::allclose(lerp_latent(a, b, 0.5), torch::tensor({0.5f, 1.0f, 0.0f})));
    // Same direction: the arc is undefined, slerp falls back to lerp instead of dividing by zero.
    auto c = torch::tensor({2.0f, 0.0f, 0.0f});
    CHECK(torch::allclose(slerp_latent(a, c, 0.25), torch::tensor({1.25f, 0.0f, 0.0f})));

    // For Gaussian latents slerp keeps the typical norm where lerp shrinks it towards the middle.
    torch::manual_seed(0);
    auto za = torch::randn({128}), zb = torch::randn({128});
    double slerp_norm = slerp_latent(za, zb, 0.5).norm().item<double>();
    double lerp_norm = lerp_latent(za, zb, 0.5).norm().item<double>();
    double ends = 0.5 * (za.norm().item<double>() + zb.norm().item<double>());
    CHECK(lerp_norm < 0.8 * ends);
    CHECK(slerp_norm > 0.95 * std::min(za.norm().item<double>(), zb.norm().item<double>()));

    auto path = interpolation_path(za, zb, 5, true);
    CHECK(path.sizes() == torch::IntArrayRef({5, 128}));
    CHECK(torch::allclose(path[0], za));
    CHECK(torch::allclose(path[4], zb, 1e-4, 1e-5));
    CHECK_THROWS_AS(interpolation_path(za, zb, 1, false), std::invalid_argument);
}

TEST_CASE("random directions are orthonormal and deterministic") {
    auto d = random_orthonormal_directions(6, 32, 7);
    CHECK(d.sizes() == torch::IntArrayRef({6, 32}));
    CHECK(torch::allclose(d.matmul(d.t()), torch::eye(6), 1e-5, 1e-5));
    CHECK(torch::equal(d, random_orthonormal_directions(6, 32, 7)));
    CHECK_FALSE(torch::allclose(d, random_orthonormal_directions(6, 32, 8)));
    CHECK_THROWS_AS(random_orthonormal_directions(33, 32, 1), std::invalid_argument);
}

TEST_CASE("PCA directions recover the latent direction that drives feature variance") {
    // Features that depend mostly on one latent direction u (and weakly on another, v): the first
    // component's latent direction must be +-u, the second +-v, and the explained variance ordered.
    const int dim = 8;
    auto u = torch::zeros({dim});
    u[2] = 1.0f;
    auto v = torch::zeros({dim});
    v[5] = 1.0f;
    auto mix = torch::randn({1, 20}, make_random_generator(torch::kCPU, 3));
    auto mix2 = torch::randn({1, 20}, make_random_generator(torch::kCPU, 4));
    auto features = [&](const torch::Tensor& z) {
        auto a = z.matmul(u).unsqueeze(1), b = z.matmul(v).unsqueeze(1);
        return torch::tanh(a.matmul(mix) * 3.0 + b.matmul(mix2) * 0.5);
    };
    auto pca = pca_directions(features, dim, 400, 2, 11);
    REQUIRE(pca.directions.sizes() == torch::IntArrayRef({2, dim}));
    CHECK(std::abs(pca.directions[0].dot(u).item<float>()) > 0.95f);
    CHECK(std::abs(pca.directions[1].dot(v).item<float>()) > 0.8f);
    CHECK(pca.explained[0] > pca.explained[1]);
    CHECK(pca.explained[0] + pca.explained[1] <= 1.0 + 1e-9);
    // Deterministic for a seed (the SVD's sign is pinned).
    auto again = pca_directions(features, dim, 400, 2, 11);
    CHECK(torch::allclose(pca.directions, again.directions));
}

TEST_CASE("DCGAN early features feed PCA directions of the right shape") {
    DcganGenerator g(16, 12, 8);
    g->eval();
    auto features = dcgan_early_features(g, torch::randn({5, 12}));
    CHECK(features.sizes() == torch::IntArrayRef({5, 16 * 4 * 4}));
    auto pca = pca_directions([&](const torch::Tensor& z) { return dcgan_early_features(g, z); }, 12, 64, 4, 1);
    CHECK(pca.directions.sizes() == torch::IntArrayRef({4, 12}));
    CHECK(torch::allclose(pca.directions.norm(2, 1), torch::ones({4}), 1e-5, 1e-5));
}

TEST_CASE("truncation pulls latents in") {
    auto z = torch::tensor({2.0f, -4.0f});
    CHECK(torch::allclose(truncate_latent(z, 0.5), torch::tensor({1.0f, -2.0f})));
    auto t = truncated_normal(64, 16, 1.0, 3);
    CHECK(t.abs().max().item<float>() <= 1.0f);
    CHECK(t.std().item<float>() > 0.3f);  // still random, not all clamped to the edges
    CHECK(truncated_normal(4, 4, 0.0, 3).abs().max().item<float>() > 0.0f);
}

TEST_CASE("latents round-trip through text and files; bad text names the problem") {
    auto z = torch::tensor({0.5f, -1.25f, 3.0f});
    auto text = latent_to_text(z);
    CHECK(text == "0.5, -1.25, 3");
    CHECK(torch::equal(latent_from_text(text, 3), z));
    CHECK(torch::equal(latent_from_text("[0.5,-1.25 ,3]\n", 3), z));
    try {
        latent_from_text("0.5, abc, 3", 3);
        FAIL("expected an error");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("'abc'") != std::string::npos);
    }
    try {
        latent_from_text("1, 2", 3);
        FAIL("expected an error");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("2 numbers") != std::string::npos);
    }
    auto dir = std::filesystem::path(GANSCOPE_BINARY_DIR) / "test-work" / "latent";
    std::filesystem::create_directories(dir);
    auto path = (dir / "z.txt").string();
    save_latent(path, z);
    CHECK(torch::equal(load_latent(path, 3), z));
    {
        std::ofstream(dir / "bad.txt") << "1, 2, x";
    }
    try {
        load_latent((dir / "bad.txt").string(), 3);
        FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("bad.txt") != std::string::npos);
    }
    CHECK_THROWS_AS(load_latent((dir / "missing.txt").string(), 3), std::runtime_error);
}

TEST_CASE("the latent walk moves smoothly and deterministically") {
    LatentWalk walk(16, 5), twin(16, 5);
    auto prev = walk.current();
    double max_jump = 0;
    for (int i = 0; i < 200; ++i) {
        auto z = walk.advance(0.02);
        max_jump = std::max(max_jump, (z - prev).norm().item<double>());
        prev = z;
    }
    twin.advance(4.0);
    CHECK(torch::allclose(prev, twin.current(), 1e-4, 1e-4));
    CHECK(max_jump < 0.5);  // ~0.02 of a keyframe interval per step: no jumps
    CHECK(max_jump > 0.0);
}
