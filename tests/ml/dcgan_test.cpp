// DCGAN model shapes, initialisation and the direction a few training steps move the losses.
#include <doctest/doctest.h>

#include "ml/models/dcgan.h"
#include "ml/models/recipe.h"

using namespace ganscope;

TEST_CASE("DCGAN shapes follow the image size") {
    torch::manual_seed(0);
    for (int size : {16, 32, 64}) {
        DcganGenerator g(size, 32, 8);
        DcganDiscriminator d(size, 8);
        auto x = g->forward(torch::randn({3, 32}));
        CHECK(x.sizes() == torch::IntArrayRef({3, 3, size, size}));
        CHECK(x.abs().max().item<float>() <= 1.0f);
        CHECK(d->forward(x).sizes() == torch::IntArrayRef({3, 1}));
    }
    CHECK_THROWS_AS(dcgan_depth(48), std::invalid_argument);
}

TEST_CASE("the 64x64 DCGAN has the paper's widths 512-256-128-64") {
    DcganGenerator g(64, 128, 64);
    std::vector<int64_t> widths;
    for (const auto& p : g->named_parameters())
        if (p.key().find("weight") != std::string::npos && p.value().dim() == 4) widths.push_back(p.value().size(1));
    CHECK(widths == std::vector<int64_t>{512, 256, 128, 64, 3});
}

TEST_CASE("DCGAN initialisation is N(0, 0.02) for convolutions") {
    torch::manual_seed(0);
    DcganGenerator g(64, 128, 64);
    dcgan_init_weights(*g);
    auto w = g->named_parameters()["net.0.weight"];
    CHECK(std::abs(w.mean().item<double>()) < 0.002);
    CHECK(w.std().item<double>() == doctest::Approx(0.02).epsilon(0.05));
}

TEST_CASE("training steps on a fixed batch move the losses the expected way") {
    TrainConfig c;
    c.image_size = 16;
    c.latent_dim = 16;
    c.g_width = c.d_width = 16;
    c.batch_size = 16;
    c.grid_count = 4;
    DcganTask task(c, torch::kCPU);
    Batch batch;
    torch::manual_seed(3);
    batch.target = torch::rand({16, 3, 16, 16}) * 2 - 1;
    auto first = task.train_step(batch);
    // Untrained: D cannot tell, so loss_D is near 2 ln 2 and D(x), D(G(z)) near 0.5.
    CHECK(first[kLossD].item<double>() == doctest::Approx(2 * std::log(2.0)).epsilon(0.25));
    CHECK(first[kDReal].item<double>() == doctest::Approx(0.5).epsilon(0.3));
    torch::Tensor last;
    for (int i = 0; i < 30; ++i) last = task.train_step(batch);
    // A fixed batch is easy to memorise: D separates real from fake.
    CHECK(last[kLossD].item<double>() < first[kLossD].item<double>());
    CHECK(last[kDReal].item<double>() > last[kDFake].item<double>());
    CHECK(std::isnan(last[kLossAux].item<double>()));
    auto samples = task.render_samples();
    CHECK(samples.sizes() == torch::IntArrayRef({4, 3, 16, 16}));
}

TEST_CASE("seed 003's generator step draws latents of its own; the other recipes reuse the fakes D judged") {
    // Every generator pass in training mode counts in its BatchNorm's num_batches_tracked.
    for (const bool fresh : {false, true}) {
        CAPTURE(fresh);
        TrainConfig c;
        apply_recipe(c, fresh ? "seed003" : "default");  // first: recipes set the networks' width too
        c.image_size = 16;
        c.latent_dim = 8;
        c.g_width = c.d_width = 4;
        c.batch_size = 4;
        c.grid_count = 4;
        CHECK(c.fresh_g_latents == fresh);
        DcganTask task(c, torch::kCPU);
        Batch batch;
        batch.target = torch::zeros({4, 3, 16, 16});
        for (int i = 0; i < 3; ++i) task.train_step(batch);
        const torch::Tensor passes = task.generator()->named_buffers()["net.1.num_batches_tracked"];
        CHECK(passes.item<int64_t>() == (fresh ? 6 : 3));
    }
}

TEST_CASE("fixed latents are deterministic from the seed") {
    CHECK(torch::equal(make_fixed_latents(8, 16, 5), make_fixed_latents(8, 16, 5)));
    CHECK(!torch::equal(make_fixed_latents(8, 16, 5), make_fixed_latents(8, 16, 6)));
}
