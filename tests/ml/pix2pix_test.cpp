// pix2pix models and task: shapes, reference key names, one training step (GAN + L1 and palette CE), save/load.
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "ml/run/checkpoint.h"
#include "ml/run/metrics.h"
#include "ml/models/pix2pix.h"
#include "ml/models/task_factory.h"
#include "ml/train/trainer.h"
#include "ml/data/tensor_image.h"
#include "ml/models/translator.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

TrainConfig tiny_pix2pix(const std::string& data) { return test::tiny_pix2pix(data); }

// These models are tiny: on a loaded 2-core machine, intra-op threads spinning on each small op cost far more
// than they give (30 s instead of 1 s for the training test), so the tiny-model tests run single-threaded.
struct SingleThread {
    int previous = torch::get_num_threads();
    SingleThread() { torch::set_num_threads(1); }
    ~SingleThread() { torch::set_num_threads(previous); }
};

std::set<std::string> names(const torch::nn::Module& m) {
    std::set<std::string> out;
    for (const auto& p : m.named_parameters()) out.insert(p.key());
    for (const auto& b : m.named_buffers()) out.insert(b.key());
    return out;
}

int count_dropout(const torch::nn::Module& m) {
    int n = 0;
    for (const auto& sub : m.modules()) n += sub->as<UnetDropout>() != nullptr;
    return n;
}

}  // namespace

TEST_CASE("U-Net shapes: unet_256 and unet_128 reach 1x1 and keep the input size") {
    torch::manual_seed(0);
    UnetOptions o;
    o.ngf = 4;
    UnetGenerator g256(o);
    g256->eval();
    auto y = g256->forward(torch::rand({1, 3, 256, 256}) * 2 - 1);
    CHECK(y.sizes() == torch::IntArrayRef({1, 3, 256, 256}));
    CHECK(y.abs().max().item<float>() <= 1.0f);
    o.num_downs = 7;
    UnetGenerator g128(o);
    g128->eval();
    CHECK(g128->forward(torch::zeros({2, 3, 128, 128})).sizes() == torch::IntArrayRef({2, 3, 128, 128}));
    CHECK_THROWS_WITH_AS(g128->forward(torch::zeros({1, 3, 96, 96})), doctest::Contains("multiples of 128"), std::invalid_argument);
    // Dropout in the 8*ngf decoder blocks outside the bottleneck: three in unet_256, two in unet_128.
    CHECK(count_dropout(*g256) == 3);
    CHECK(count_dropout(*g128) == 2);
    CHECK(unet_num_downs("", 128) == 7);
    CHECK(unet_num_downs("unet_256", 256) == 8);
    CHECK_THROWS_WITH_AS(unet_num_downs("resnet_9blocks", 256), doctest::Contains("resnet_9blocks"), std::invalid_argument);
}

TEST_CASE("U-Net parameter names are the reference UnetGenerator's") {
    UnetOptions o;
    o.ngf = 2;
    UnetGenerator g(o);
    const auto keys = names(*g);
    // Outermost: down conv (no bias: BatchNorm follows inside), up conv with bias.
    CHECK(keys.count("model.model.0.weight"));
    CHECK(!keys.count("model.model.0.bias"));
    CHECK(keys.count("model.model.3.weight"));
    CHECK(keys.count("model.model.3.bias"));
    // A middle level: conv at 1, norm at 2, nested level at 3, up conv at 5, norm at 6.
    CHECK(keys.count("model.model.1.model.1.weight"));
    CHECK(keys.count("model.model.1.model.2.running_var"));
    CHECK(keys.count("model.model.1.model.2.num_batches_tracked"));
    CHECK(keys.count("model.model.1.model.5.weight"));
    CHECK(keys.count("model.model.1.model.6.bias"));
    // The innermost level (8th) sits six nestings below model.model.1: conv at 1, up conv at 3, norm at 4.
    std::string inner = "model.model.1";
    for (int i = 0; i < 6; ++i) inner += ".model.3";
    CHECK(keys.count(inner + ".model.1.weight"));
    CHECK(keys.count(inner + ".model.3.weight"));
    CHECK(keys.count(inner + ".model.4.running_mean"));
    CHECK(!keys.count(inner + ".model.3.model.1.weight"));
    // Outermost 3 (down w, up w + b), six middle levels of 12 (2 convs, 2 norms of 5), innermost 7: 82 entries.
    CHECK(keys.size() == 82);
}

TEST_CASE("70x70 PatchGAN gives a grid of logits") {
    PatchDiscriminator d(6, 8, 3);
    CHECK(d->forward(torch::zeros({2, 6, 256, 256})).sizes() == torch::IntArrayRef({2, 1, 30, 30}));
    CHECK(d->forward(torch::zeros({1, 6, 128, 128})).sizes() == torch::IntArrayRef({1, 1, 14, 14}));
    CHECK(patch_layers_for(256) == 3);
    CHECK(patch_layers_for(16) == 1);
    PatchDiscriminator small(6, 8, patch_layers_for(16));
    CHECK(small->forward(torch::zeros({1, 6, 16, 16})).size(2) >= 1);
}

TEST_CASE("one pix2pix step: finite stats, weights move, samples are input|output|target triplets") {
    SingleThread single_thread;
    torch::manual_seed(1);
    const std::string data = test::synthetic_folder("pix2pix_step", 6, 40);
    TrainConfig c = tiny_pix2pix(data);
    auto task = make_task(c, torch::kCPU);
    auto* p2p = dynamic_cast<Pix2PixTask*>(task.get());
    REQUIRE(p2p);
    const torch::Tensor samples0 = task->render_samples();
    CHECK(samples0.sizes() == torch::IntArrayRef({9, 3, 32, 32}));  // 3 validation items x 3
    CHECK(torch::equal(samples0[0], p2p->validation_inputs()[0]));
    CHECK(torch::equal(samples0[2], p2p->validation_targets()[0]));

    auto source = make_source(c);
    auto transform = make_transform(c, true);
    std::mt19937 rng(3);
    std::vector<torch::Tensor> inputs, targets;
    for (size_t i = 0; i < 2; ++i) {
        Example e = transform(source->load(i), rng);
        CHECK(e.input.sizes() == torch::IntArrayRef({3, 32, 32}));
        inputs.push_back(e.input);
        targets.push_back(e.target);
    }
    Batch batch{torch::stack(targets), torch::stack(inputs)};
    const torch::Tensor before = p2p->generator()->named_parameters()["model.model.0.weight"].clone();
    torch::Tensor stats = task->train_step(batch);
    REQUIRE(stats.numel() == kStatCount);
    for (int i = 0; i < kStatCount; ++i) CHECK(std::isfinite(stats[i].item<float>()));
    CHECK(stats[kLossD].item<float>() == doctest::Approx(std::log(2.0)).epsilon(0.2));  // D starts undecided
    CHECK(stats[kLossAux].item<float>() > 0.0f);  // L1
    // The logged G loss is what G minimises, as seed 002 logs it: the GAN term plus lambda times the L1.
    CHECK(stats[kLossG].item<double>() ==
          doctest::Approx(stats[kLossGan].item<double>() + c.lambda_l1 * stats[kLossAux].item<double>()).epsilon(1e-5));
    CHECK(stats[kLossGan].item<float>() == doctest::Approx(std::log(2.0)).epsilon(0.3));
    CHECK(!torch::equal(before, p2p->generator()->named_parameters()["model.model.0.weight"]));
    // L1 drops over a few steps on the same batch (lambda 100 dominates the generator's loss).
    float l1 = stats[kLossAux].item<float>();
    for (int i = 0; i < 15; ++i) stats = task->train_step(batch);
    CHECK(stats[kLossAux].item<float>() < l1);
}

TEST_CASE("palette_ce: logits over num_values^3 colours, cross-entropy starts at log(count)") {
    SingleThread single_thread;
    torch::manual_seed(2);
    const std::string data = test::synthetic_folder("pix2pix_palette", 4, 40);
    TrainConfig c = tiny_pix2pix(data);
    c.loss = "palette_ce";
    c.palette_values = 3;
    auto task = make_task(c, torch::kCPU);
    auto* p2p = dynamic_cast<Pix2PixTask*>(task.get());
    REQUIRE(p2p);
    CHECK(p2p->generator()->options.output_nc == 27);
    CHECK(!p2p->discriminator());
    // Targets are posterized: every value is one of the 3 levels.
    const torch::Tensor t = p2p->validation_targets();
    const torch::Tensor bytes = ((t + 1) * 127.5).round();
    CHECK(torch::all((bytes == 0) | (bytes == 128) | (bytes == 255)).item<bool>());
    Batch batch{t, p2p->validation_inputs()};
    // Weights drawn N(0, 0.02) give small logits, so the first loss is close to a uniform guess.
    torch::Tensor stats = task->train_step(batch);
    CHECK(stats[kLossG].item<float>() == doctest::Approx(std::log(27.0)).epsilon(0.15));
    // No adversary: no D loss, no D(x), no GAN term (NaN, left out of metrics.jsonl and the progress line).
    CHECK(!task->adversarial());
    for (StatIndex i : {kLossD, kDReal, kDFake, kLossGan}) CHECK(std::isnan(stats[i].item<float>()));
    StepMetrics m;
    m.loss_g = stats[kLossG].item<double>();
    m.loss_aux = stats[kLossAux].item<double>();
    for (double StepMetrics::*f : {&StepMetrics::loss_d, &StepMetrics::d_real, &StepMetrics::d_fake})
        m.*f = stats[kLossD].item<double>();
    const nlohmann::json j = m.to_json();
    for (const char* key : {"loss_d", "d_real", "d_fake", "loss_gan"}) CHECK_MESSAGE(!j.contains(key), key);
    CHECK(describe_losses(m).find('D') == std::string::npos);
    // Decoded samples are palette colours.
    const torch::Tensor out = p2p->translate(batch.input);
    const torch::Tensor ob = ((out + 1) * 127.5).round();
    CHECK(torch::all((ob == 0) | (ob == 128) | (ob == 255)).item<bool>());
}

TEST_CASE("a pix2pix checkpoint round-trips weights, optimiser state and validation items") {
    SingleThread single_thread;
    torch::manual_seed(4);
    const std::string data = test::synthetic_folder("pix2pix_ckpt", 4, 40);
    TrainConfig c = tiny_pix2pix(data);
    auto a = make_task(c, torch::kCPU);
    auto* pa = dynamic_cast<Pix2PixTask*>(a.get());
    a->train_step({pa->validation_targets(), pa->validation_inputs()});
    const std::string path = test::scratch_dir("pix2pix_ckpt_out") + "/checkpoint.pt";
    write_checkpoint(path, *a, {c, 1, {}});
    Pix2PixTask b(c, torch::kCPU);
    CHECK(!b.validation_inputs().defined());
    load_checkpoint(path, b);
    CHECK(torch::equal(b.validation_inputs(), pa->validation_inputs()));
    CHECK(torch::allclose(b.translate(pa->validation_inputs()), pa->translate(pa->validation_inputs())));
    // The next step is the same from both (same weights, same Adam moments, same dropout draws).
    torch::manual_seed(9);
    auto sa = a->train_step({pa->validation_targets(), pa->validation_inputs()});
    torch::manual_seed(9);
    auto sb = b.train_step({pa->validation_targets(), pa->validation_inputs()});
    CHECK(torch::allclose(sa, sb, 1e-5, 1e-5));
    // The trainer's snapshot becomes a translator that gives the task's own output.
    auto translator = Translator::from_snapshot(a->snapshot_generator(1), torch::kCPU);
    const Image in = tensor_to_image(pa->validation_inputs()[0]);
    const Image via_snapshot = translator->translate(in);
    const Image via_task = tensor_to_image(pa->translate(image_to_tensor(in).unsqueeze(0))[0]);
    CHECK(via_snapshot.pixels == via_task.pixels);
    // A checkpoint of another width is refused with the mismatched names.
    TrainConfig wide = c;
    wide.g_width = 8;
    Pix2PixTask w(wide, torch::kCPU);
    CHECK_THROWS_WITH_AS(load_checkpoint(path, w), doctest::Contains("model.model.0.weight"), CheckpointError);
}

TEST_CASE("BatchNorm in train mode at inference uses batch statistics and leaves the model unchanged") {
    SingleThread single_thread;
    torch::manual_seed(5);
    UnetOptions o;
    o.ngf = 4;
    o.num_downs = 5;
    UnetGenerator g(o);
    set_training_mode(g);
    g->forward(torch::rand({2, 3, 32, 32}));  // move the running statistics away from their start
    const auto state_before = g->named_buffers()["model.model.1.model.2.running_mean"].clone();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::rand({2, 3, 32, 32}) * 2 - 1;
    set_inference_mode(g, NormMode::Eval);
    const torch::Tensor eval1 = g->forward(x), eval2 = g->forward(x);
    set_inference_mode(g, NormMode::Train);
    const torch::Tensor train1 = g->forward(x), train2 = g->forward(x);
    CHECK(torch::equal(eval1, eval2));
    CHECK(torch::equal(train1, train2));  // dropout stays off
    CHECK(!torch::allclose(eval1, train1, 1e-3, 1e-3));
    CHECK(torch::equal(state_before, g->named_buffers()["model.model.1.model.2.running_mean"]));
}

namespace {

// A run folder's generator and discriminator weights, flattened (the checkpoint's task rebuilt on the CPU).
torch::Tensor pix2pix_weights(const std::string& checkpoint) {
    auto meta = read_checkpoint_meta(checkpoint);
    Pix2PixTask task(meta.config, torch::kCPU);
    load_checkpoint(checkpoint, task);
    std::vector<torch::Tensor> flat;
    for (auto& p : task.generator()->parameters()) flat.push_back(p.detach().flatten());
    for (auto& p : task.discriminator()->parameters()) flat.push_back(p.detach().flatten());
    return torch::cat(flat);
}

std::shared_ptr<const TrainerStatus> train_until_done(const TrainerOptions& options) {
    Trainer trainer(options);
    REQUIRE(trainer.wait(std::chrono::seconds(120)));
    auto status = trainer.status().latest();
    REQUIRE(status);
    CHECK(status->error.empty());
    return status;
}

}  // namespace

TEST_CASE("pix2pix resume is exact: 10 steps equal 5 + resume + 5 (dropout masks included)") {
    SingleThread single_thread;
    TrainerOptions whole;
    // 64 x 64 is the smallest U-Net with a dropout layer (level 4 of 6).
    whole.config = tiny_pix2pix(test::synthetic_folder("pix2pix_resume_data", 8, 72));
    whole.config.image_size = 64;
    whole.config.grid_count = 3;
    whole.config.device = "cpu";
    whole.config.steps = 10;
    whole.config.log_every = 5;
    whole.config.sample_every = 100;
    whole.config.snapshot_every = 100;
    whole.config.loader_workers = 2;
    whole.run_dir = test::scratch_dir("pix2pix_resume_whole");
    {
        Pix2PixTask probe(whole.config, torch::kCPU);
        int dropouts = 0;
        for (const auto& m : probe.generator()->modules()) dropouts += m->as<UnetDropout>() != nullptr;
        REQUIRE(dropouts == 1);
    }
    train_until_done(whole);

    TrainerOptions first = whole;
    first.config.steps = 5;
    first.run_dir = test::scratch_dir("pix2pix_resume_halves");
    train_until_done(first);
    // Anything else drawing from libtorch's global generator in between must not matter.
    torch::manual_seed(12345);
    torch::rand({1000});
    TrainerOptions second = first;
    second.config.steps = 0;
    second.resume = true;
    second.extra_steps = 5;
    CHECK(train_until_done(second)->step == 10);

    const torch::Tensor a = pix2pix_weights(whole.run_dir + "/checkpoint.pt");
    const torch::Tensor b = pix2pix_weights(first.run_dir + "/checkpoint.pt");
    CHECK(torch::allclose(a, b, 1e-5, 1e-6));

    // Control: a different number of steps gives different weights, so the comparison above means something.
    TrainerOptions short_run = whole;
    short_run.config.steps = 9;
    short_run.run_dir = test::scratch_dir("pix2pix_resume_nine");
    train_until_done(short_run);
    CHECK_FALSE(torch::allclose(a, pix2pix_weights(short_run.run_dir + "/checkpoint.pt"), 1e-5, 1e-6));
}

TEST_CASE("a pix2pix checkpoint without the dropout generator (older format) still loads") {
    SingleThread single_thread;
    const std::string data = test::synthetic_folder("pix2pix_oldckpt", 4, 40);
    TrainConfig c = tiny_pix2pix(data);
    Pix2PixTask a(c, torch::kCPU);
    // What an older ganscope wrote: the same entries minus the generator state.
    torch::serialize::OutputArchive old;
    save_module(old, "generator", *a.generator());
    save_optimizer(old, "optimizer_g", a.generator_optimizer());
    save_module(old, "discriminator", *a.discriminator());
    save_optimizer(old, "optimizer_d", *a.discriminator_optimizer());
    std::ostringstream bytes;
    old.save_to(bytes);
    std::istringstream in_bytes(bytes.str());
    torch::serialize::InputArchive in;
    in.load_from(in_bytes);
    TrainConfig other = c;
    other.seed = 77;  // different initial weights, so the load visibly replaces them
    Pix2PixTask b(other, torch::kCPU);
    CHECK_FALSE(torch::equal(b.generator()->parameters()[0], a.generator()->parameters()[0]));
    b.load(in);
    CHECK(torch::equal(b.generator()->parameters()[0], a.generator()->parameters()[0]));
}
