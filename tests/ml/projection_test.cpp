// Projection: a generated image whose latent is known is found again (a close reconstruction), with and without
// the discriminator's features; stopping, the modules left as they were, the files, and bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "ml/data/tensor_image.h"
#include "ml/models/dcgan.h"
#include "ml/models/latent.h"
#include "ml/models/projection.h"
#include "ml/run/module_io.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

// A generator whose images vary with the latent as a trained one's do (DCGAN's own N(0, 0.02) draws nearly flat
// grey images at step 0): convolutions drawn with a He-like spread, BatchNorm left at its identity statistics.
DcganGenerator varied_generator(int size, int latent, int width, uint64_t seed) {
    DcganGenerator g(size, latent, width);
    at::Generator rng = make_random_generator(torch::kCPU, seed);
    torch::NoGradGuard no_grad;
    for (auto& p : g->named_parameters()) {
        if (p.value().dim() == 4) {
            const double fan_in = double(p.value().size(0)) * 4;  // ConvTranspose weight: in x out x 4 x 4
            p.value().normal_(0, std::sqrt(2.0 / fan_in), rng);
        }
    }
    g->eval();
    return g;
}

double rms_levels(const torch::Tensor& a, const torch::Tensor& b) {
    return std::sqrt((a - b).pow(2).mean().item<double>()) * 127.5;
}

}  // namespace

TEST_CASE("projection finds a generated image again, with and without the discriminator's features") {
    torch::manual_seed(0);
    DcganGenerator g = varied_generator(16, 16, 8, 7);
    DcganDiscriminator d(16, 8);
    dcgan_init_weights(*d);
    d->train();  // the projection evaluates it in eval mode and gives it back as it was
    at::Generator rng = make_random_generator(torch::kCPU, 42);
    const torch::Tensor z_true = torch::randn({1, 16}, rng);
    torch::Tensor target;
    {
        torch::NoGradGuard no_grad;
        target = g->forward(z_true)[0];
    }
    // How far an unrelated latent's image is: the scale a close reconstruction is judged against.
    const torch::Tensor z_other = torch::randn({1, 16}, rng);
    double unrelated = 0;
    {
        torch::NoGradGuard no_grad;
        unrelated = rms_levels(g->forward(z_other)[0], target);
    }
    REQUIRE(unrelated > 15);  // the generator's images differ: a reconstruction means something

    ProjectionOptions options;
    int reports = 0, last_step = 0;
    bool steps_increase = true;
    const ProjectionProgress found = project_latent(
        g, &d, target, options,
        [&](const ProjectionProgress& p) {
            ++reports;
            steps_increase = steps_increase && p.step > last_step;
            last_step = p.step;
            return true;
        },
        10);
    MESSAGE("with features: rms " << found.rms_levels << " levels (unrelated latent: " << unrelated << "), start "
                                  << found.start << ", latent distance "
                                  << (found.latent - z_true[0]).norm().item<double>());
    CHECK(found.done);
    CHECK(found.step == options.total_steps());
    CHECK(steps_increase);
    CHECK(reports == options.total_steps() / 10 + (options.total_steps() % 10 ? 1 : 0));
    CHECK(found.start >= 0);
    CHECK(found.start < options.restarts);
    CHECK(found.latent.sizes() == torch::IntArrayRef({16}));
    CHECK(found.rms_levels < 4.0);
    CHECK(found.rms_levels < unrelated / 8);
    // The figures describe the latent returned: its image drawn again is the reported one.
    {
        torch::NoGradGuard no_grad;
        const torch::Tensor again = g->forward(found.latent.unsqueeze(0))[0];
        CHECK(torch::allclose(again, found.image, 1e-4, 1e-5));
        CHECK(rms_levels(again, target) == doctest::Approx(found.rms_levels).epsilon(1e-3));
    }
    CHECK(found.feature > 0);
    // Both modules are given back as they came: D in training mode, every parameter still trainable.
    CHECK(d->is_training());
    CHECK_FALSE(g->is_training());
    for (const auto& p : g->parameters()) CHECK(p.requires_grad());
    for (const auto& p : d->parameters()) CHECK(p.requires_grad());

    // Pixels only (a snapshot without its discriminator).
    const ProjectionProgress pixels = project_latent(g, nullptr, target, options);
    MESSAGE("pixels only: rms " << pixels.rms_levels << " levels");
    CHECK(pixels.done);
    CHECK(pixels.feature == 0);
    CHECK(pixels.rms_levels < 4.0);
}

TEST_CASE("projection stops when asked, and refuses what it cannot project") {
    DcganGenerator g = varied_generator(16, 16, 8, 3);
    const torch::Tensor target = torch::zeros({3, 16, 16});
    const ProjectionProgress stopped = project_latent(
        g, nullptr, target, ProjectionOptions{}, [](const ProjectionProgress& p) { return p.step < 20; }, 10);
    CHECK_FALSE(stopped.done);
    CHECK(stopped.step == 20);
    CHECK(stopped.latent.defined());
    CHECK(stopped.image.sizes() == torch::IntArrayRef({3, 16, 16}));

    CHECK_THROWS_WITH_AS(project_latent(g, nullptr, torch::zeros({3, 32, 32}), ProjectionOptions{}),
                         doctest::Contains("this generator draws"), std::invalid_argument);
    ProjectionOptions bad;
    bad.restarts = 0;
    CHECK_THROWS_WITH_AS(project_latent(g, nullptr, target, bad), doctest::Contains("--restarts 0"),
                         std::invalid_argument);
}

TEST_CASE("projection files: the latent as .pt and .txt read back by the explorer; images refused in one line") {
    const std::string dir = test::scratch_dir("projection_files");
    const torch::Tensor z = torch::randn({16});
    save_projected_latent(dir + "/z.pt", z);
    CHECK(torch::equal(load_latent(dir + "/z.pt", 16), z));
    save_projected_latent(dir + "/z.txt", z);
    CHECK(torch::allclose(load_latent(dir + "/z.txt", 16), z, 1e-5, 1e-6));
    CHECK_THROWS_WITH(load_latent(dir + "/z.pt", 32), doctest::Contains("has 16 numbers but this generator takes 32"));
    CHECK_THROWS_AS(save_projected_latent(dir + "/z.png", z), std::invalid_argument);

    // The target: scaled and centre-cropped as training images are.
    write_png(dir + "/wide.png", test::synthetic_image(40, 5));
    const torch::Tensor t = load_projection_target(dir + "/wide.png", 16, Rgb{255, 255, 255});
    CHECK(t.sizes() == torch::IntArrayRef({3, 16, 16}));
    CHECK(t.min().item<float>() >= -1.0f);
    CHECK(t.max().item<float>() <= 1.0f);
    CHECK_THROWS_WITH(load_projection_target(dir + "/missing.png", 16, Rgb{}),
                      doctest::Contains("missing.png: no such image file"));
    std::ofstream(dir + "/notes.png") << "not an image at all";
    CHECK_THROWS_WITH(load_projection_target(dir + "/notes.png", 16, Rgb{}),
                      doctest::Contains("notes.png: not an image ganscope can read"));
    std::ofstream(dir + "/empty.png");
    CHECK_THROWS_WITH(load_projection_target(dir + "/empty.png", 16, Rgb{}), doctest::Contains("empty.png: "));
}
