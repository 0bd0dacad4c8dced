// Inspect: feature maps are the networks' own activations; the discriminator rebuilt from a weights
// snapshot judges exactly as the task's own; error maps; snapshots without a discriminator; history files stay
// generator-only.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/models/feature_maps.h"
#include "ml/run/history.h"
#include "ml/models/inspect.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"
#include "ml/models/task_factory.h"
#include "ml/train/trainer.h"
#include "ml/run/weights_exchange.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;
namespace nn = torch::nn;

namespace {

TrainConfig tiny_dcgan() {
    TrainConfig c = test::tiny_dcgan("", 0);
    c.latent_dim = 8;
    c.g_width = c.d_width = 4;
    c.grid_count = 4;
    return c;
}

TrainConfig tiny_pix2pix() {
    TrainConfig c = test::tiny_pix2pix("");
    c.grid_count = 4;
    return c;
}

torch::Tensor images(int64_t n, int size, uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    return torch::rand({n, 3, size, size}, gen) * 2 - 1;
}

bool close(const torch::Tensor& a, const torch::Tensor& b) {
    return a.sizes() == b.sizes() && torch::allclose(a, b, /*rtol=*/0, /*atol=*/1e-6);
}

// As the pix2pix tests: tiny models run faster on one intra-op thread on a loaded 2-core machine.
struct SingleThread {
    int previous = torch::get_num_threads();
    SingleThread() { torch::set_num_threads(1); }
    ~SingleThread() { torch::set_num_threads(previous); }
};

}  // namespace

TEST_CASE("inspect: feature maps equal the generator's and the discriminator's own activations") {
    SingleThread one;
    torch::manual_seed(4);
    const TrainConfig c = tiny_dcgan();
    DcganGenerator g(c.image_size, c.latent_dim, c.g_width);
    dcgan_init_weights(*g);
    g->eval();
    const torch::Tensor z = torch::randn({1, c.latent_dim, 1, 1});
    const std::vector<LayerMaps> maps = sequential_feature_maps(g->net, z);
    // 16x16: ConvT+BN+ReLU at 4x4 and 8x8, then ConvT+Tanh to the image.
    REQUIRE(maps.size() == 3);
    torch::NoGradGuard no_grad;
    torch::Tensor x = z;
    for (size_t b = 0; b < 2; ++b) {
        x = g->net->ptr(3 * b)->as<nn::ConvTranspose2dImpl>()->forward(x);
        x = g->net->ptr(3 * b + 1)->as<nn::BatchNorm2dImpl>()->forward(x);
        x = torch::relu(x);
        CAPTURE(b);
        CHECK(close(maps[b].maps, x[0]));
    }
    CHECK(maps[0].name == "block 1: ConvTranspose2d 8 x 4 x 4");
    CHECK(maps[1].name == "block 2: ConvTranspose2d 4 x 8 x 8");
    CHECK(close(maps[2].maps, torch::tanh(g->net->ptr(6)->as<nn::ConvTranspose2dImpl>()->forward(x))[0]));
    CHECK(close(maps[2].maps, g->forward(z)[0]));
    CHECK_THROWS_AS(sequential_feature_maps(g->net, torch::randn({2, c.latent_dim, 1, 1})), std::invalid_argument);

    // The discriminator ends in a convolution, not an activation: its logit is a block of its own.
    DcganDiscriminator d(c.image_size, c.d_width);
    dcgan_init_weights(*d);
    d->eval();
    const torch::Tensor image = images(1, c.image_size, 5);
    const std::vector<LayerMaps> dmaps = sequential_feature_maps(d->net, image);
    REQUIRE(dmaps.size() == 3);
    x = torch::leaky_relu(d->net->ptr(0)->as<nn::Conv2dImpl>()->forward(image), 0.2);
    CHECK(close(dmaps[0].maps, x[0]));
    x = d->net->ptr(2)->as<nn::Conv2dImpl>()->forward(x);
    x = torch::leaky_relu(d->net->ptr(3)->as<nn::BatchNorm2dImpl>()->forward(x), 0.2);
    CHECK(close(dmaps[1].maps, x[0]));
    CHECK(close(dmaps[2].maps, d->net->ptr(5)->as<nn::Conv2dImpl>()->forward(x)[0]));
    CHECK(dmaps[2].maps.item<float>() == doctest::Approx(d->forward(image).item<float>()).epsilon(1e-6));
    CHECK(dmaps[0].name == "block 1: Conv2d 4 x 8 x 8");
    CHECK(dmaps[2].name == "block 3: Conv2d 1 x 1 x 1");
}

TEST_CASE("inspect: DCGAN verdicts are sigmoid of the task's own discriminator for the snapshot's weights") {
    SingleThread one;
    DcganTask task(tiny_dcgan(), torch::kCPU);
    for (uint64_t i = 0; i < 2; ++i) task.train_step(Batch{images(4, 16, 10 + i), {}});  // BatchNorm statistics move
    const WeightsSnapshot snapshot = task.snapshot_generator(2);
    REQUIRE_FALSE(snapshot.discriminator.empty());
    CHECK(snapshot.discriminator.size() == clone_named_tensors(*task.discriminator()).size());

    SnapshotDiscriminator judge(snapshot);
    CHECK_FALSE(judge.is_conditional());
    CHECK(judge.verdicts_are_probabilities());
    CHECK(judge.step() == 2);
    const torch::Tensor x = torch::cat({images(3, 16, 20), task.render_samples()});
    const torch::Tensor verdicts = judge.verdicts(x);
    CHECK(verdicts.dtype() == torch::kFloat32);
    CHECK(verdicts.device().is_cpu());
    CHECK(verdicts.sizes() == torch::IntArrayRef({7}));
    torch::Tensor want;
    {
        torch::NoGradGuard no_grad;
        task.discriminator()->eval();
        want = torch::sigmoid(task.discriminator()->forward(x)).reshape({-1});
        task.discriminator()->train();
    }
    CHECK(close(verdicts, want));
    CHECK(verdicts.min().item<float>() >= 0);
    CHECK(verdicts.max().item<float>() <= 1);

    // The snapshot is a copy: training on does not change what it judges.
    task.train_step(Batch{images(4, 16, 30), {}});
    CHECK(close(SnapshotDiscriminator(snapshot).verdicts(x), verdicts));
    CHECK_FALSE(close(SnapshotDiscriminator(task.snapshot_generator(3)).verdicts(x), verdicts));

    CHECK_THROWS_AS(judge.verdicts(images(2, 32, 1)), std::invalid_argument);
    CHECK_THROWS_AS(judge.patch_map(x, x), std::logic_error);

    // Objectives without a probability give D's raw score, as the D(x) curves do.
    TrainConfig hinge = tiny_dcgan();
    hinge.gan_loss = "hinge";
    DcganTask hinge_task(hinge, torch::kCPU);
    SnapshotDiscriminator hinge_judge(hinge_task.snapshot_generator(0));
    CHECK_FALSE(hinge_judge.verdicts_are_probabilities());
    torch::NoGradGuard no_grad;
    hinge_task.discriminator()->eval();
    CHECK(close(hinge_judge.verdicts(x), hinge_task.discriminator()->forward(x).reshape({-1})));
}

TEST_CASE("inspect: the pix2pix patch map is the task's D on cat(input, output), PatchGAN-sized") {
    SingleThread one;
    Pix2PixTask task(tiny_pix2pix(), torch::kCPU);
    task.train_step(Batch{images(2, 32, 1), images(2, 32, 2)});
    task.set_validation(images(3, 32, 3), images(3, 32, 4));
    const WeightsSnapshot snapshot = task.snapshot_generator(1);
    REQUIRE_FALSE(snapshot.discriminator.empty());

    // The grid interleaves input | output | target; the split gives them back.
    const TranslationTriples t = split_translation_grid(task.render_samples());
    CHECK(torch::equal(t.inputs, task.validation_inputs()));
    CHECK(torch::equal(t.targets, task.validation_targets()));
    CHECK(close(t.outputs, task.translate(task.validation_inputs())));
    CHECK_THROWS_AS(split_translation_grid(images(4, 32, 5)), std::invalid_argument);

    SnapshotDiscriminator judge(snapshot);
    CHECK(judge.is_conditional());
    CHECK(judge.verdicts_are_probabilities());
    const torch::Tensor map = judge.patch_map(t.inputs, t.outputs);
    torch::Tensor logits;
    {
        torch::NoGradGuard no_grad;
        task.discriminator()->eval();
        logits = task.discriminator()->forward(torch::cat({t.inputs, t.outputs}, 1));
    }
    // 32x32 with n_layers 2: two stride-2 convolutions (32 -> 8), then two 4x4 stride-1 ones (8 -> 7 -> 6).
    CHECK(patch_layers_for(32) == 2);
    CHECK(map.sizes() == torch::IntArrayRef({3, 1, 6, 6}));
    CHECK(close(map, torch::sigmoid(logits)));
    CHECK(map.dtype() == torch::kFloat32);
    // The order matters: the condition comes first.
    CHECK_FALSE(close(judge.patch_map(t.outputs, t.inputs), map));
    CHECK_THROWS_AS(judge.patch_map(t.inputs, t.outputs.slice(0, 0, 2)), std::invalid_argument);
    CHECK_THROWS_AS(judge.verdicts(t.outputs), std::logic_error);
}

TEST_CASE("inspect: error maps are |output - target| averaged over channels") {
    const torch::Tensor outputs = images(2, 5, 7), targets = images(2, 5, 8);
    const torch::Tensor maps = error_maps(outputs, targets);
    REQUIRE(maps.sizes() == torch::IntArrayRef({2, 1, 5, 5}));
    auto o = outputs.accessor<float, 4>(), t = targets.accessor<float, 4>();
    auto m = maps.accessor<float, 4>();
    double worst = 0;
    for (int n = 0; n < 2; ++n)
        for (int y = 0; y < 5; ++y)
            for (int x = 0; x < 5; ++x) {
                double sum = 0;
                for (int ch = 0; ch < 3; ++ch) sum += std::abs(double(o[n][ch][y][x]) - double(t[n][ch][y][x]));
                worst = std::max(worst, std::abs(sum / 3 - double(m[n][0][y][x])));
            }
    CHECK(worst < 1e-6);
    CHECK(error_maps(outputs, outputs).abs().max().item<float>() == 0);
    // In [-1, 1] units: opposite extremes are 2 apart.
    CHECK(error_maps(torch::ones({1, 3, 2, 2}), -torch::ones({1, 3, 2, 2})).min().item<float>() == 2);
    CHECK_THROWS_AS(error_maps(outputs, targets.slice(2, 0, 4)), std::invalid_argument);
}

TEST_CASE("inspect: a snapshot without a discriminator is refused with a clear message") {
    SingleThread one;
    TrainConfig palette = tiny_pix2pix();
    palette.loss = "palette_ce";
    Pix2PixTask palette_task(palette, torch::kCPU);
    const WeightsSnapshot none = palette_task.snapshot_generator(0);
    CHECK(none.discriminator.empty());
    CHECK_THROWS_WITH_AS(SnapshotDiscriminator{none}, doctest::Contains("this run's snapshots carry no discriminator"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(SnapshotDiscriminator{none}, doctest::Contains("palette_ce"), std::runtime_error);

    DcganTask task(tiny_dcgan(), torch::kCPU);
    WeightsSnapshot generator_only = task.snapshot_generator(0);
    generator_only.discriminator.clear();
    CHECK_THROWS_WITH_AS(SnapshotDiscriminator{generator_only},
                         doctest::Contains("this run's snapshots carry no discriminator"), std::runtime_error);

    // Tensors of another architecture are refused naming the mismatch.
    WeightsSnapshot wrong = task.snapshot_generator(0);
    wrong.discriminator = wrong.tensors;
    CHECK_THROWS_AS(SnapshotDiscriminator{wrong}, CheckpointError);
}

TEST_CASE("inspect: an opened checkpoint's snapshot carries its discriminator; a generator-only file's does not") {
    SingleThread one;
    const std::string dir = test::scratch_dir("inspect_checkpoint");
    DcganTask trained(tiny_dcgan(), torch::kCPU);
    trained.train_step(Batch{images(4, 16, 40), {}});
    write_checkpoint(dir + "/checkpoint.pt", trained, {trained.snapshot_generator(1).config, 1, {}, {}});
    const torch::Tensor x = images(3, 16, 41);
    const torch::Tensor want = SnapshotDiscriminator(trained.snapshot_generator(1)).verdicts(x);

    // As the checkpoint source opens a checkpoint: make_task, load_checkpoint, snapshot_generator.
    const CheckpointMeta meta = read_checkpoint_meta(dir + "/checkpoint.pt");
    std::unique_ptr<GanTask> opened = make_task(meta.config, torch::kCPU);
    load_checkpoint(dir + "/checkpoint.pt", *opened);
    CHECK(close(SnapshotDiscriminator(opened->snapshot_generator(meta.step)).verdicts(x), want));

    // As it opens a generator-only G.pth: the fresh task's D was never trained, so snapshots leave it out.
    std::unique_ptr<GanTask> plain = make_task(meta.config, torch::kCPU);
    load_generator_weights(*plain, trained.snapshot_generator(1), "G.pth");
    CHECK(plain->snapshot_generator(0).discriminator.empty());
    load_checkpoint(dir + "/checkpoint.pt", *plain);  // a checkpoint brings its D back
    CHECK(close(SnapshotDiscriminator(plain->snapshot_generator(1)).verdicts(x), want));
}

TEST_CASE("inspect: history files stay generator-only") {
    SingleThread one;
    const std::string dir = test::scratch_dir("inspect_history");
    DcganTask task(tiny_dcgan(), torch::kCPU);
    const WeightsSnapshot with_d = task.snapshot_generator(5);
    REQUIRE_FALSE(with_d.discriminator.empty());
    WeightsSnapshot without_d = with_d;
    without_d.discriminator.clear();
    save_snapshot(dir + "/with.pt", with_d);
    save_snapshot(dir + "/without.pt", without_d);
    CHECK(fs::file_size(dir + "/with.pt") == fs::file_size(dir + "/without.pt"));
    const WeightsSnapshot back = load_snapshot(dir + "/with.pt");
    CHECK(back.discriminator.empty());
    CHECK(back.tensors.size() == with_d.tensors.size());

    // The trainer publishes snapshots with D for the window, and its history writer keeps the files as before.
    const std::string run = test::scratch_dir("inspect_history_run");
    TrainerOptions o;
    o.config = tiny_dcgan();
    o.config.data = test::synthetic_folder("inspect_history_data", 8, 16);
    o.config.steps = 4;
    o.config.snapshot_every = 2;
    o.config.history_every = 2;
    o.config.sample_every = 2;
    o.config.checkpoint_every = 1000;
    o.config.loader_workers = 1;
    o.run_dir = run;
    {
        Trainer trainer(o);
        REQUIRE(trainer.wait(std::chrono::seconds(120)));
        const std::shared_ptr<const WeightsSnapshot> published = trainer.weights().latest();
        REQUIRE(published);
        CHECK_FALSE(published->discriminator.empty());
        CHECK_NOTHROW(SnapshotDiscriminator{*published});
    }
    const std::vector<HistoryEntry> history = list_history(run);
    REQUIRE_FALSE(history.empty());
    for (const HistoryEntry& entry : history) {
        CAPTURE(entry.path);
        WeightsSnapshot loaded = load_snapshot(entry.path);
        CHECK(loaded.discriminator.empty());
        const std::string again = dir + "/again.pt";
        save_snapshot(again, loaded);  // generator only, by construction
        CHECK(fs::file_size(again) == entry.bytes);
    }
}
