// The SWD metric and its cache, EMA math, each GAN loss against its formula, R1 against finite
// differences, DiffAugment, and exact resume with every option on.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "ml/run/checkpoint.h"
#include "ml/data/dataset.h"
#include "ml/models/dcgan.h"
#include "ml/models/diff_augment.h"
#include "ml/models/ema.h"
#include "ml/models/gan_losses.h"
#include "ml/run/module_io.h"
#include "ml/train/quality.h"
#include "ml/models/recipe.h"
#include "ml/train/swd.h"
#include "ml/data/tensor_image.h"
#include "ml/train/trainer.h"
#include "test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

// n synthetic disc images at `size`, N x 3 x S x S in [-1, 1].
torch::Tensor disc_images(int n, int size, uint32_t first_seed) {
    std::vector<torch::Tensor> out;
    for (int i = 0; i < n; ++i) out.push_back(image_to_tensor(test::synthetic_image(size, first_seed + uint32_t(i))));
    return torch::stack(out);
}

SwdDescriptors describe(const torch::Tensor& images, uint64_t seed) {
    SwdOptions o;
    return describe_images(images.size(0), 16, [&](int64_t b, int64_t e) { return images.slice(0, b, e); }, o, seed);
}

TrainConfig tiny(const std::string& data, int64_t steps) {
    TrainConfig c = test::tiny_dcgan(data, steps);
    c.swd_every = 0;
    c.publish_seconds = 0;
    c.history_seconds = 0;
    return c;
}

std::shared_ptr<const TrainerStatus> run_to_end(TrainerOptions options) {
    Trainer trainer(std::move(options));
    REQUIRE(trainer.wait(std::chrono::seconds(120)));
    return trainer.status().latest();
}

// Every weight and optimiser-visible tensor of a DCGAN checkpoint, the weight average included, in one vector.
torch::Tensor all_weights(const std::string& checkpoint) {
    auto meta = read_checkpoint_meta(checkpoint);
    DcganTask task(meta.config, torch::kCPU);
    load_checkpoint(checkpoint, task);
    std::vector<torch::Tensor> flat;
    for (auto& p : task.generator()->parameters()) flat.push_back(p.detach().flatten());
    for (auto& p : task.discriminator()->parameters()) flat.push_back(p.detach().flatten());
    if (task.generator_ema())
        for (auto& p : task.generator_ema()->parameters()) flat.push_back(p.detach().flatten());
    return torch::cat(flat);
}

}  // namespace

TEST_CASE("the Laplacian pyramid adds back up to the image") {
    torch::manual_seed(1);
    const torch::Tensor x = torch::rand({2, 3, 32, 32});
    const auto levels = laplacian_pyramid(x, 3);
    REQUIRE(levels.size() == 3);
    CHECK(levels[0].size(2) == 32);
    CHECK(levels[1].size(2) == 16);
    CHECK(levels[2].size(2) == 8);
    CHECK(swd_resolutions(64, 16) == std::vector<int>{64, 32, 16});
    CHECK(swd_resolutions(16, 16) == std::vector<int>{16});
    // Each difference level is what upsampling the coarser level misses, so a flat image has (almost) none.
    const auto flat = laplacian_pyramid(torch::full({1, 3, 32, 32}, 0.25), 3);
    CHECK(flat[0].abs().max().item<float>() < 1e-5f);
    CHECK(flat[2].mean().item<float>() == doctest::Approx(0.25f));
}

TEST_CASE("SWD: a set against itself is near 0, and the distance grows with added noise") {
    const torch::Tensor a = disc_images(48, 32, 1), b = disc_images(48, 32, 1001);
    const SwdOptions o;
    const auto da = describe(a, 7);
    CHECK(da.resolutions == std::vector<int>{32, 16});
    CHECK(da.count() == 48 * o.patches_per_image);
    CHECK(da.levels[0].size(1) == 3 * 7 * 7);
    // The same images and patches: exactly 0.
    CHECK(sliced_wasserstein(da, describe(a, 7), o).mean == doctest::Approx(0.0));
    // Other patches of the same images, and other images of the same kind: small.
    const double same_images = sliced_wasserstein(da, describe(a, 8), o).mean;
    const double same_kind = sliced_wasserstein(da, describe(b, 8), o).mean;
    MESSAGE("swd same images " << same_images << ", same kind " << same_kind);
    torch::manual_seed(5);
    const torch::Tensor noise = torch::randn(b.sizes());
    double previous = same_kind;
    std::vector<double> noisy;
    for (double sigma : {0.05, 0.1, 0.2, 0.4, 0.8}) {
        const double d = sliced_wasserstein(da, describe((b + sigma * noise).clamp(-1, 1), 8), o).mean;
        noisy.push_back(d);
        CHECK(d > previous);  // monotonic in the noise
        previous = d;
    }
    MESSAGE("swd with noise 0.05..0.8: " << noisy[0] << " " << noisy[1] << " " << noisy[2] << " " << noisy[3] << " " << noisy[4]);
    // Near 0: below what the faintest noise adds, and a small fraction of what strong noise does.
    CHECK(same_images < noisy[0]);
    CHECK(same_kind < noisy[0]);
    CHECK(same_images < 0.25 * noisy.back());
    // Sets of different sizes compare at matching quantiles: half of a set is still close to the whole.
    const double half = sliced_wasserstein(da, describe(a.slice(0, 0, 24), 9), o).mean;
    CHECK(half < 0.5 * noisy.back());
}

TEST_CASE("SWD: real descriptors are cached on disk and reused") {
    const std::string data = test::synthetic_folder("swd-cache-data", 40, 24);
    const std::string cache = test::scratch_dir("swd-cache");
    TrainConfig c = tiny(data, 0);
    c.swd_images = 32;
    auto source = open_source(data, c.background, c.image_size);
    DcganTask task(c, torch::kCPU);
    QualityMetric first(c, source, cache);
    const QualityRecord r1 = first.evaluate(task);
    CHECK_FALSE(first.reals_from_cache());
    CHECK(fs::exists(first.cache_path()));
    CHECK(first.image_count() == 32);
    REQUIRE(r1.levels.size() == 1);
    CHECK(r1.levels[0].first == 16);
    CHECK(r1.swd > 0);
    CHECK(std::isnan(r1.val_l1));

    QualityMetric second(c, source, cache);
    const QualityRecord r2 = second.evaluate(task);
    CHECK(second.reals_from_cache());
    CHECK(second.cache_path() == first.cache_path());
    CHECK(r2.swd == doctest::Approx(r1.swd).epsilon(1e-9));  // the same reals, latents and patches
    // Another image count is another set of reals: another file.
    c.swd_images = 16;
    QualityMetric third(c, source, cache);
    third.evaluate(task);
    CHECK_FALSE(third.reals_from_cache());
    CHECK(third.cache_path() != first.cache_path());
    // A damaged cache file is recomputed, not trusted.
    { std::ofstream(first.cache_path(), std::ios::trunc) << "not a torch archive"; }
    c.swd_images = 32;
    QualityMetric fourth(c, source, cache);
    CHECK(fourth.evaluate(task).swd == doctest::Approx(r1.swd).epsilon(1e-9));
    CHECK_FALSE(fourth.reals_from_cache());
}

TEST_CASE("EMA: the average follows its formula, with the warm-up") {
    CHECK(ema_decay_at(0.999, 0) == doctest::Approx(0.1));
    CHECK(ema_decay_at(0.999, 10) == doctest::Approx(11.0 / 20.0));
    CHECK(ema_decay_at(0.999, 100000) == doctest::Approx(0.999));
    torch::nn::Linear model(2, 2), average(2, 2);
    torch::nn::BatchNorm1d bn_model(2), bn_average(2);
    {
        torch::NoGradGuard no_grad;
        model->weight.copy_(torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}));
        average->weight.copy_(torch::tensor({{0.0f, 0.0f}, {1.0f, 1.0f}}));
        model->bias.fill_(2.0f);
        average->bias.fill_(0.0f);
    }
    ema_update(*average, *model, 0.75);
    CHECK(torch::allclose(average->weight, torch::tensor({{0.25f, 0.5f}, {1.5f, 1.75f}})));
    CHECK(torch::allclose(average->bias, torch::full({2}, 0.5f)));
    bn_model->running_mean.fill_(3.0f);
    ema_update(*bn_average, *bn_model, 0.75);
    CHECK(torch::allclose(bn_average->running_mean, torch::full({2}, 3.0f)));  // buffers are copied

    // In the DCGAN task: after one step the average is 0.1 * initial + 0.9 * trained (the warm-up's first decay).
    TrainConfig c = tiny("", 0);
    c.ema_decay = 0.999;
    DcganTask task(c, torch::kCPU);
    const auto before = clone_named_tensors(*task.generator());
    Batch batch;
    batch.target = torch::rand({4, 3, 16, 16}) * 2 - 1;
    task.train_step(batch);
    CHECK(task.ema_updates() == 1);
    auto after = task.generator()->named_parameters();
    auto avg = task.generator_ema()->named_parameters();
    int checked = 0;
    for (const auto& [name, initial] : before) {
        if (!after.contains(name)) continue;  // buffers
        CHECK(torch::allclose(avg[name], 0.1 * initial + 0.9 * after[name], 1e-5, 1e-6));
        ++checked;
    }
    CHECK(checked > 4);
    // The grid and the explorer's snapshot come from the average.
    CHECK(torch::allclose(task.render_samples(), task.generator_ema()->forward(task.fixed_latents()).contiguous(), 1e-5, 1e-6));
}

TEST_CASE("EMA statistics recomputed: the average draws with BatchNorm statistics of its own weights") {
    TrainConfig c = tiny("", 0);
    c.ema_decay = 0.99;
    TrainConfig copying_config = c;
    c.ema_statistics = "recompute";
    DcganTask task(c, torch::kCPU), copying(copying_config, torch::kCPU);
    REQUIRE(task.statistics_latents().defined());
    CHECK(!copying.statistics_latents().defined());
    Batch batch;
    batch.target = torch::rand({4, 3, 16, 16}) * 2 - 1;
    for (int i = 0; i < 3; ++i) {
        task.train_step(batch);
        copying.train_step(batch);
    }
    const torch::Tensor drawn = task.render_samples();
    // The same averaged weights as with copied statistics (the same seed and batches); other statistics.
    auto params = task.generator_ema()->named_parameters(), params_copy = copying.generator_ema()->named_parameters();
    for (const auto& item : params) CHECK(torch::equal(item.value(), params_copy[item.key()]));
    auto buffers = task.generator_ema()->named_buffers(), buffers_copy = copying.generator_ema()->named_buffers();
    // The first BatchNorm's statistics are those of the first layer's output on the statistics latents.
    torch::Tensor first;
    {
        torch::NoGradGuard no_grad;
        const torch::Tensor z = task.statistics_latents().view({-1, c.latent_dim, 1, 1});
        first = task.generator_ema()->net->ptr(0)->as<torch::nn::ConvTranspose2d>()->forward(z);
    }
    CHECK(torch::allclose(buffers["net.1.running_mean"], first.mean({0, 2, 3}), 1e-4, 1e-5));
    CHECK(torch::allclose(buffers["net.1.running_var"], first.var({0, 2, 3}, /*unbiased=*/true), 1e-4, 1e-5));
    CHECK(!torch::allclose(buffers["net.1.running_mean"], buffers_copy["net.1.running_mean"]));
    // Drawing again changes nothing; the snapshot carries the same statistics; a step measures them again.
    CHECK(torch::equal(task.render_samples(), drawn));
    const auto snapshot = task.snapshot_generator(3);
    bool found = false;
    for (const auto& [name, t] : snapshot.tensors)
        if (name == "net.1.running_mean") found = torch::equal(t, buffers["net.1.running_mean"]);
    CHECK(found);
    const torch::Tensor mean_before = buffers["net.1.running_mean"].clone();
    task.train_step(batch);
    task.render_samples();
    CHECK(!torch::equal(task.generator_ema()->named_buffers()["net.1.running_mean"], mean_before));
    c.ema_statistics = "batch";
    CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("use copy or recompute"), std::invalid_argument);
}

TEST_CASE("recipe specs: a recipe with settings changed for a measurement; bad ones named") {
    TrainConfig c;
    apply_recipe_spec(c, "seed003:width=32:batch=32:lr=3e-4:ema=0.99:ema-stats=recompute:beta1=0");
    CHECK(c.g_width == 32);
    CHECK(c.d_width == 32);
    CHECK(c.batch_size == 32);
    CHECK(c.lr_g == 3e-4);
    CHECK(c.lr_d == 3e-4);
    CHECK(c.ema_decay == 0.99);
    CHECK(c.ema_statistics == "recompute");
    CHECK(c.beta1 == 0);
    CHECK(c.fresh_g_latents);  // the rest is seed003's
    apply_recipe_spec(c, "default:lr-d=1e-3");
    CHECK(c.lr_d == 1e-3);
    CHECK(c.lr_g == 4e-4);
    CHECK_THROWS_WITH_AS(apply_recipe_spec(c, "default:depth=3"), doctest::Contains("unknown key depth"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(apply_recipe_spec(c, "default:width=wide"), doctest::Contains("width=wide is not key=number"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(apply_recipe_spec(c, "default:batch"), doctest::Contains("batch is not key=number"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(apply_recipe_spec(c, "best:width=8"), doctest::Contains("seed003"), std::invalid_argument);
}

TEST_CASE("each GAN loss against its formula on fixed logits") {
    const torch::Tensor r = torch::tensor({2.0, -1.0, 0.5}, torch::kDouble), f = torch::tensor({-0.5, 1.5, 0.0}, torch::kDouble);
    const double rv[] = {2.0, -1.0, 0.5}, fv[] = {-0.5, 1.5, 0.0};
    auto mean3 = [](auto fn, const double* v) { return (fn(v[0]) + fn(v[1]) + fn(v[2])) / 3.0; };
    auto softplus = [](double x) { return std::log1p(std::exp(x)); };
    const double bce_d = mean3([&](double x) { return softplus(-x); }, rv) + mean3(softplus, fv);
    const double bce_g = mean3([&](double x) { return softplus(-x); }, fv);
    const double hinge_d = mean3([](double x) { return std::max(0.0, 1 - x); }, rv) + mean3([](double x) { return std::max(0.0, 1 + x); }, fv);
    const double ls_d = mean3([](double x) { return (x - 1) * (x - 1); }, rv) + mean3([](double x) { return x * x; }, fv);
    const double ls_g = mean3([](double x) { return (x - 1) * (x - 1); }, fv);
    const double w_d = mean3([](double x) { return x; }, fv) - mean3([](double x) { return x; }, rv);
    const double w_g = -mean3([](double x) { return x; }, fv);
    CHECK(discriminator_loss(GanLoss::Bce, r, f).item<double>() == doctest::Approx(bce_d));
    CHECK(generator_loss(GanLoss::Bce, f).item<double>() == doctest::Approx(bce_g));
    CHECK(discriminator_loss(GanLoss::Hinge, r, f).item<double>() == doctest::Approx(hinge_d));
    CHECK(generator_loss(GanLoss::Hinge, f).item<double>() == doctest::Approx(w_g));
    CHECK(discriminator_loss(GanLoss::Lsgan, r, f).item<double>() == doctest::Approx(ls_d));
    CHECK(generator_loss(GanLoss::Lsgan, f).item<double>() == doctest::Approx(ls_g));
    CHECK(discriminator_loss(GanLoss::WganGp, r, f).item<double>() == doctest::Approx(w_d));
    CHECK(generator_loss(GanLoss::WganGp, f).item<double>() == doctest::Approx(w_g));
    CHECK(discriminator_score(GanLoss::Bce, r).item<double>() ==
          doctest::Approx(mean3([](double x) { return 1 / (1 + std::exp(-x)); }, rv)));
    CHECK(parse_gan_loss("wgan-gp") == GanLoss::WganGp);
    CHECK_THROWS_WITH_AS(parse_gan_loss("vanilla"), doctest::Contains("bce, hinge, lsgan or wgan-gp"), std::invalid_argument);

    // The gradient penalty on a linear critic D(x) = sum(w * x): |grad| = |w| everywhere.
    at::Generator rng = make_random_generator(torch::kCPU, 3);
    const torch::Tensor w = torch::full({1, 3, 2, 2}, 0.5, torch::kDouble);  // |w| = sqrt(12 * 0.25) = sqrt(3)
    auto critic = [&](const torch::Tensor& x) { return (x * w).flatten(1).sum(1); };
    const torch::Tensor real = torch::rand({4, 3, 2, 2}, torch::kDouble), fake = torch::rand({4, 3, 2, 2}, torch::kDouble);
    CHECK(gradient_penalty(critic, real, fake, 10.0, rng).item<double>() == doctest::Approx(10 * std::pow(std::sqrt(3.0) - 1, 2)));
}

TEST_CASE("R1 against autograd by finite differences, and its own gradient") {
    torch::manual_seed(11);
    torch::nn::Sequential d(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)),
                            torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 1, 3)), torch::nn::Flatten());
    d->to(torch::kDouble);
    auto D = [&](const torch::Tensor& x) { return d->forward(x).sum(1); };
    const torch::Tensor x0 = torch::randn({2, 3, 6, 6}, torch::kDouble);
    const double gamma = 3.0;
    auto penalty = [&] {
        torch::Tensor x = x0.clone().requires_grad_(true);
        return r1_penalty(D(x), x, gamma);
    };
    // Finite differences of sum_i D(x_i) give every image's input gradient.
    torch::Tensor grad = torch::zeros_like(x0);
    {
        torch::NoGradGuard no_grad;
        const double h = 1e-6;
        auto flat = grad.view(-1);
        for (int64_t k = 0; k < x0.numel(); ++k) {
            torch::Tensor plus = x0.clone(), minus = x0.clone();
            plus.view(-1)[k] += h;
            minus.view(-1)[k] -= h;
            flat[k] = (D(plus).sum() - D(minus).sum()).item<double>() / (2 * h);
        }
    }
    const double expected = 0.5 * gamma * grad.square().flatten(1).sum(1).mean().item<double>();
    CHECK(penalty().item<double>() == doctest::Approx(expected).epsilon(1e-6));
    // create_graph: the penalty's gradient with respect to a weight matches its finite difference.
    torch::Tensor p = d->parameters()[0];
    torch::Tensor g = torch::autograd::grad({penalty()}, {p})[0];
    for (int64_t k : {0, 7, 31}) {
        const double h = 1e-6;
        double plus, minus;
        {
            torch::NoGradGuard no_grad;
            p.view(-1)[k] += h;
        }
        plus = penalty().item<double>();
        {
            torch::NoGradGuard no_grad;
            p.view(-1)[k] -= 2 * h;
        }
        minus = penalty().item<double>();
        {
            torch::NoGradGuard no_grad;
            p.view(-1)[k] += h;
        }
        CHECK(g.reshape(-1)[k].item<double>() == doctest::Approx((plus - minus) / (2 * h)).epsilon(1e-5));
    }
}

TEST_CASE("DiffAugment: differentiable, and the same transform for real and fake within a step") {
    const AugmentPolicy all = parse_augment_policy("color,translation,cutout");
    CHECK(to_string(all) == "color,translation,cutout");
    CHECK_FALSE(parse_augment_policy("").any());
    CHECK_THROWS_WITH_AS(parse_augment_policy("color,flip"), doctest::Contains("'flip'"), std::invalid_argument);
    at::Generator rng = make_random_generator(torch::kCPU, 5);
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const AugmentParams a = draw_augment(all, 4, 16, rng, opts);
    const torch::Tensor real = torch::rand({4, 3, 16, 16}, opts) * 2 - 1, fake = torch::rand({4, 3, 16, 16}, opts) * 2 - 1;
    // Translation and cutout are linear: with one draw, T(real) - T(fake) = T(real - fake) image by image.
    const AugmentPolicy geometric = parse_augment_policy("translation,cutout");
    CHECK(torch::allclose(apply_augment(geometric, real, a) - apply_augment(geometric, fake, a),
                          apply_augment(geometric, real - fake, a)));
    // The same image as real and as fake comes out the same; another draw moves it elsewhere.
    CHECK(torch::equal(apply_augment(all, real, a), apply_augment(all, real.clone(), a)));
    const AugmentParams b = draw_augment(all, 4, 16, rng, opts);
    CHECK_FALSE(torch::allclose(apply_augment(all, real, a), apply_augment(all, real, b)));
    // A shift moves a single bright pixel and brings zeros in.
    AugmentParams shift = draw_augment(parse_augment_policy("translation"), 1, 16, rng, opts);
    shift.shift_x = torch::tensor({2}, torch::kLong);
    shift.shift_y = torch::tensor({-1}, torch::kLong);
    torch::Tensor dot = torch::zeros({1, 3, 16, 16}, opts);
    dot.index_put_({0, torch::indexing::Slice(), 5, 5}, 1.0);
    const torch::Tensor moved = apply_augment(parse_augment_policy("translation"), dot, shift);
    CHECK(moved[0][0][4][7].item<double>() == 1.0);
    CHECK(moved.sum().item<double>() == doctest::Approx(3.0));
    // Cutout zeroes a square of half the side (clipped at the edges).
    const torch::Tensor ones = torch::ones({4, 3, 16, 16}, opts);
    const torch::Tensor cut = apply_augment(parse_augment_policy("cutout"), ones, a);
    for (int i = 0; i < 4; ++i) {
        const double zeros = (cut[i][0] == 0).sum().item<double>();
        CHECK(zeros > 0);
        CHECK(zeros <= 64);
    }
    // Differentiable: autograd's gradient of a weighted sum matches finite differences.
    const torch::Tensor weights = torch::rand({4, 3, 16, 16}, opts);
    torch::Tensor x = real.clone().requires_grad_(true);
    const torch::Tensor g = torch::autograd::grad({(apply_augment(all, x, a) * weights).sum()}, {x})[0];
    CHECK(g.abs().sum().item<double>() > 0);
    torch::NoGradGuard no_grad;
    for (int64_t k : {0, 100, 257, 515, 900, 2000, 3071}) {
        const double h = 1e-6;
        torch::Tensor plus = real.clone(), minus = real.clone();
        plus.view(-1)[k] += h;
        minus.view(-1)[k] -= h;
        const double fd = ((apply_augment(all, plus, a) - apply_augment(all, minus, a)) * weights).sum().item<double>() / (2 * h);
        CHECK(g.reshape(-1)[k].item<double>() == doctest::Approx(fd).epsilon(1e-5));
    }
}

TEST_CASE("recipes: seed003 is the plain DCGAN, default is one of the measured candidates") {
    TrainConfig c;
    apply_recipe(c, "seed003");
    CHECK(c.gan_loss == "bce");
    CHECK(c.ema_decay == 0);
    CHECK(c.diffaug.empty());
    CHECK(c.r1_gamma == 0);
    CHECK(recipe_of(c) == "seed003");
    CHECK(c.fresh_g_latents);  // G's step draws its own latents, as the article's train_generator does
    // Configs from before that option trained seed 003 reusing D's fakes: not the article exactly.
    CHECK(recipe_of(TrainConfig{}) == "custom");
    CHECK(c.lr_g == 2e-4);
    CHECK(c.lr_d == 2e-4);
    apply_recipe(c, "default");
    CHECK(recipe_of(c) == default_recipe());
    apply_recipe(c, "lr-ema");  // recipes carry Adam's rates, and seed003 restores seed 003's
    CHECK(c.lr_g == 4e-4);
    CHECK(c.lr_d == 4e-4);
    CHECK(c.ema_decay == 0.99);
    apply_recipe(c, "seed003");
    CHECK(c.lr_g == 2e-4);
    CHECK(recipe_of(c) == "seed003");
    c.lr_g = 1e-4;
    CHECK(recipe_of(c) == "custom");
    apply_recipe(c, "default");
    CHECK_THROWS_WITH_AS(apply_recipe(c, "best"), doctest::Contains("seed003"), std::invalid_argument);
    c.model = "pix2pix";
    CHECK_THROWS_AS(c.validate(), std::invalid_argument);  // DCGAN options on pix2pix
}

TEST_CASE("exact resume with every option on, for each loss; swd logged; publishing by the clock") {
    const std::string data = test::synthetic_folder("quality-resume-data", 20);
    torch::Tensor bce_weights;
    for (const char* loss : {"bce", "hinge", "lsgan", "wgan-gp"}) {
        CAPTURE(loss);
        const std::string whole = test::scratch_dir(std::string("quality-whole-") + loss);
        const std::string halves = test::scratch_dir(std::string("quality-halves-") + loss);
        TrainerOptions a;
        a.config = tiny(data, 10);
        a.config.gan_loss = loss;
        a.config.r1_gamma = 1.0;
        a.config.diffaug = "color,translation,cutout";
        a.config.ema_decay = 0.99;
        if (std::string(loss) != "bce") a.config.ema_statistics = "recompute";  // measured on the average: exact too
        a.config.swd_every = 4;
        a.config.swd_images = 16;
        a.run_dir = whole;
        REQUIRE(run_to_end(a)->error.empty());

        TrainerOptions b = a;
        b.config.steps = 5;
        b.run_dir = halves;
        run_to_end(b);
        TrainerOptions c;
        c.config = tiny(data, 0);
        c.run_dir = halves;
        c.resume = true;
        c.extra_steps = 5;
        auto status = run_to_end(c);
        REQUIRE(status->error.empty());
        CHECK(status->step == 10);
        const auto wa = all_weights(whole + "/checkpoint.pt"), wb = all_weights(halves + "/checkpoint.pt");
        CHECK(torch::allclose(wa, wb, 1e-5, 1e-6));
        if (std::string(loss) == "bce") {
            bce_weights = wa;
            const auto meta = read_checkpoint_meta(halves + "/checkpoint.pt");
            CHECK(meta.config.ema_decay == 0.99);
            CHECK(meta.config.diffaug == "color,translation,cutout");
            // The metric was logged at steps 4 and 8, with its level, in both runs.
            std::ifstream metrics(whole + "/metrics.jsonl");
            std::vector<int64_t> swd_steps;
            for (std::string line; std::getline(metrics, line);) {
                const auto j = nlohmann::json::parse(line);
                if (!j.contains("swd")) continue;
                swd_steps.push_back(j["step"].get<int64_t>());
                CHECK(j.contains("swd_16"));
                CHECK(j["swd"].get<double>() > 0);
                CHECK(j["swd_seconds"].get<double>() >= 0);
                const auto m = StepMetrics::from_json(j);
                REQUIRE(m.swd_levels.size() == 1);
                CHECK(m.swd_levels[0].first == 16);
            }
            CHECK(swd_steps == std::vector<int64_t>{4, 8});
        }
    }
    // Options off: the plain DCGAN run (bce, no average); a different option changes the weights.
    TrainerOptions plain;
    plain.config = tiny(data, 10);
    plain.run_dir = test::scratch_dir("quality-plain");
    run_to_end(plain);
    const torch::Tensor plain_weights = all_weights(plain.run_dir + "/checkpoint.pt");
    CHECK(plain_weights.size(0) < bce_weights.size(0));  // no average
    CHECK(!torch::allclose(plain_weights, bce_weights.slice(0, 0, plain_weights.size(0)), 1e-5, 1e-6));
}

TEST_CASE("the grid and the weights publish by the clock as well as by steps") {
    const std::string data = test::synthetic_folder("quality-clock-data", 16);
    // A model that takes 40 ms a step, so the clock (every 0.1 s) comes before the step cadence (every 1000).
    struct SlowTask : DcganTask {
        using DcganTask::DcganTask;
        torch::Tensor train_step(const Batch& b) override {
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
            return DcganTask::train_step(b);
        }
    };
    TrainerOptions o;
    o.config = tiny(data, 30);
    o.config.sample_every = 1000;
    o.config.snapshot_every = 1000;
    o.config.publish_seconds = 0.1;
    o.run_dir = test::scratch_dir("quality-clock");
    o.make_task = [](const TrainConfig& c, torch::Device d) { return std::make_unique<SlowTask>(c, d); };
    Trainer trainer(o);
    uint64_t seen_grid = 0, seen_weights = 0;
    std::shared_ptr<const SampleGrid> grid;
    std::shared_ptr<const WeightsSnapshot> weights;
    int grids = 0, snapshots = 0;
    std::set<int64_t> grid_steps;
    while (!trainer.wait(std::chrono::milliseconds(20))) {
        if (trainer.samples().fetch_if_newer(seen_grid, grid)) {
            ++grids;
            grid_steps.insert(grid->step);
        }
        if (trainer.weights().fetch_if_newer(seen_weights, weights)) ++snapshots;
    }
    MESSAGE(grids << " grids, " << snapshots << " weight snapshots in 30 steps");
    CHECK(grid_steps.size() >= 5);   // about 12 s of 0.1 s... at 40+ ms a step: one every 2-3 steps
    CHECK(snapshots >= 5);
    // Only the step cadence writes files: the first grid and the final one.
    int pngs = 0;
    for (const auto& e : fs::directory_iterator(o.run_dir + "/samples")) pngs += e.path().extension() == ".png";
    CHECK(pngs == 2);
}
