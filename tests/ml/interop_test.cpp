// Weights in and out of Python PyTorch: an exported DCGAN loads strictly into seed 003's nn.Sequential
// generator and draws the same images from the same latents (1e-5); pix2pix exports load into junyanz's layouts; a
// seed-003 G.pth made in Python opens with its sizes inferred. The Python side is tests/python/interop.py.
#include <doctest/doctest.h>

#include "ml/build_paths.h"
#include "ml/run/checkpoint.h"
#include "ml/run/history.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"
#include "ml/models/translator.h"
#include "ml/run/weights_exchange.h"
#include "tests/ml/python_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

// A trained-looking task: two real steps, so BatchNorm's running statistics and Adam's state are not the defaults.
template <class Task>
void train_two_steps(Task& task, const TrainConfig& c, bool paired) {
    torch::manual_seed(11);
    for (int i = 0; i < 2; ++i) {
        Batch b;
        b.target = torch::rand({c.batch_size, 3, c.image_size, c.image_size}) * 2 - 1;
        if (paired) b.input = torch::rand({c.batch_size, 3, c.image_size, c.image_size}) * 2 - 1;
        task.train_step(b);
    }
}

std::vector<std::string> keys(const StateDict& state) {
    std::vector<std::string> out;
    for (const auto& [k, t] : state) out.push_back(k);
    return out;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST_CASE("export: a DCGAN loads strictly into seed 003's generator and draws the same images (1e-5)") {
    const std::string dir = test::scratch_dir("interop_dcgan");
    // Seed 003's sizes exactly: latent 128, 64x64, ConvTranspose 512-256-128-64-3.
    TrainConfig c;
    c.device = "cpu";
    c.image_size = 64;
    c.latent_dim = 128;
    c.batch_size = 2;
    c.grid_count = 4;
    DcganTask task(c, torch::kCPU);
    train_two_steps(task, c, false);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 2, {}});

    const StateDict g = export_state_dict(dir + "/checkpoint.pt", ExportPart::Generator);
    const auto names = keys(g);
    CHECK(names.size() == 5 + 4 * 5);  // 5 ConvTranspose weights; weight, bias, running_mean/var, count per BatchNorm
    for (const char* k : {"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
                          "3.weight", "12.weight"})
        CHECK(std::find(names.begin(), names.end(), k) != names.end());
    write_state_dict(dir + "/G.pth", g);

    // What ganscope draws from these latents: the snapshot generator the explorer and history render with.
    torch::manual_seed(5);
    const torch::Tensor z = torch::randn({6, 128, 1, 1});
    SnapshotGenerator ours(task.snapshot_generator(2));
    const torch::Tensor images = ours.generate(z);
    write_state_dict(dir + "/io.pth", {{"z", z}, {"images", images}});
    CHECK(test::run_interop("dcgan_g " + quoted(dir + "/G.pth") + " " + quoted(dir + "/io.pth")) == 0);
    // The comparison can fail: images off by 1e-3 are refused.
    write_state_dict(dir + "/io_off.pth", {{"z", z}, {"images", images + 1e-3}});
    CHECK(test::run_interop("dcgan_g " + quoted(dir + "/G.pth") + " " + quoted(dir + "/io_off.pth")) == 1);

    // The discriminator, in the DCGAN paper's Sequential: the same logits.
    write_state_dict(dir + "/D.pth", export_state_dict(dir + "/checkpoint.pt", ExportPart::Discriminator));
    const torch::Tensor x = torch::rand({3, 3, 64, 64}) * 2 - 1;
    task.discriminator()->eval();
    torch::Tensor logits;
    {
        torch::NoGradGuard no_grad;
        logits = task.discriminator()->forward(x.contiguous(torch::MemoryFormat::ChannelsLast));
    }
    write_state_dict(dir + "/io_d.pth", {{"x", x}, {"logits", logits}});
    CHECK(test::run_interop("dcgan_d " + quoted(dir + "/D.pth") + " " + quoted(dir + "/io_d.pth")) == 0);

    CHECK_THROWS_WITH_AS(parse_export_part("both"), doctest::Contains("--what both"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(export_state_dict(dir + "/missing.pt", ExportPart::Generator), doctest::Contains("missing.pt"),
                         CheckpointError);
}

TEST_CASE("export: the generator a run draws with (its weight average), and the raw one on request") {
    const std::string dir = test::scratch_dir("interop_dcgan_ema");
    TrainConfig c;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 8;
    c.g_width = c.d_width = 4;
    c.batch_size = 2;
    c.grid_count = 4;
    c.ema_decay = 0.5;  // the average moves far from G in two steps
    DcganTask task(c, torch::kCPU);
    train_two_steps(task, c, false);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 2, {}});
    auto same = [](const StateDict& a, const StateDict& b) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (a[i].first != b[i].first || !torch::equal(a[i].second, b[i].second)) return false;
        return true;
    };
    const StateDict drawn = export_state_dict(dir + "/checkpoint.pt", ExportPart::Generator);
    const StateDict raw = export_state_dict(dir + "/checkpoint.pt", ExportPart::GeneratorRaw);
    CHECK(same(drawn, dcgan_state_dict(*task.sample_generator())));
    CHECK(same(raw, dcgan_state_dict(*task.generator())));
    CHECK_FALSE(same(drawn, raw));
    CHECK(parse_export_part("generator_raw") == ExportPart::GeneratorRaw);
    // The exported file given back where a checkpoint belongs says what it is and what opens it.
    write_state_dict(dir + "/G.pth", drawn);
    const std::string says =
        "G.pth: not a ganscope checkpoint but a PyTorch state_dict (" + std::to_string(drawn.size()) + " tensors";
    CHECK_THROWS_WITH_AS(export_state_dict(dir + "/G.pth", ExportPart::Generator), doctest::Contains(says.c_str()),
                         CheckpointError);
    CHECK(read_plain_generator(dir + "/G.pth").has_value());  // --open still takes it
}

TEST_CASE("export: pix2pix as junyanz's UnetGenerator and NLayerDiscriminator") {
    const std::string dir = test::scratch_dir("interop_pix2pix");
    TrainConfig c;
    c.model = "pix2pix";
    c.device = "cpu";
    c.image_size = 32;
    c.g_width = c.d_width = 8;
    c.batch_size = 2;
    Pix2PixTask task(c, torch::kCPU);
    train_two_steps(task, c, true);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 2, {}});

    write_state_dict(dir + "/G.pth", export_state_dict(dir + "/checkpoint.pt", ExportPart::Generator));
    const torch::Tensor input = torch::rand({2, 3, 32, 32}) * 2 - 1;
    UnetGenerator g = task.generator();
    set_inference_mode(g, NormMode::Eval);
    torch::Tensor output;
    {
        torch::NoGradGuard no_grad;
        output = g->forward(input);
    }
    write_state_dict(dir + "/io.pth", {{"input", input}, {"output", output}});
    const std::string reference = std::string(build_source_dir()) + "/tests/python/pix2pix_reference.py";
    CHECK(std::system(("'" + test::python() + "' " + quoted(reference) + " check " + quoted(dir + "/G.pth") + " " +
                       quoted(dir + "/io.pth")).c_str()) == 0);

    write_state_dict(dir + "/D.pth", export_state_dict(dir + "/checkpoint.pt", ExportPart::Discriminator));
    const torch::Tensor pair = torch::rand({2, 6, 32, 32}) * 2 - 1;
    task.discriminator()->eval();
    torch::Tensor logits;
    {
        torch::NoGradGuard no_grad;
        logits = task.discriminator()->forward(pair);
    }
    write_state_dict(dir + "/io_d.pth", {{"x", pair}, {"logits", logits}});
    const std::string layers = std::to_string(patch_layers_for(32));
    CHECK(test::run_interop("patchgan_d " + quoted(dir + "/D.pth") + " " + quoted(dir + "/io_d.pth") + " 6 8 " + layers) == 0);

    // translate also opens a run's history snapshots, translating as the generator they hold.
    save_snapshot(dir + "/step_00000002.pt", task.snapshot_generator(2));
    auto from_file = Translator::open(dir + "/step_00000002.pt", torch::kCPU);
    CHECK(from_file->description().find("history snapshot of step 2") != std::string::npos);
    const Image photo = test::synthetic_image(32, 9);
    CHECK(from_file->translate(photo).pixels == Translator::open(dir + "/checkpoint.pt", torch::kCPU)->translate(photo).pixels);
    TrainConfig dcgan_config;
    dcgan_config.image_size = 16;
    dcgan_config.latent_dim = 8;
    dcgan_config.g_width = dcgan_config.d_width = 4;
    DcganTask dcgan(dcgan_config, torch::kCPU);
    save_snapshot(dir + "/dcgan_snapshot.pt", dcgan.snapshot_generator(0));
    CHECK_THROWS_WITH_AS(Translator::open(dir + "/dcgan_snapshot.pt", torch::kCPU), doctest::Contains("history snapshot of a dcgan run"),
                         CheckpointError);
}

TEST_CASE("a seed-003 G.pth made in Python opens with its sizes inferred and draws what Python draws") {
    const std::string dir = test::scratch_dir("interop_open");
    // Latent 16, 32x32 (four ConvTranspose layers), width 8: 32-16-8-3.
    REQUIRE(test::run_interop("make_dcgan_g " + quoted(dir + "/G.pth") + " 16 32 8") == 0);
    const std::optional<WeightsSnapshot> snapshot = read_plain_generator(dir + "/G.pth");
    REQUIRE(snapshot);
    CHECK(snapshot->config.latent_dim == 16);
    CHECK(snapshot->config.image_size == 32);
    CHECK(snapshot->config.g_width == 8);
    torch::manual_seed(2);
    const torch::Tensor z = torch::randn({3, 16});
    write_state_dict(dir + "/z.pth", {{"z", z}});
    REQUIRE(test::run_interop("draw " + quoted(dir + "/G.pth") + " " + quoted(dir + "/z.pth") + " " +
                              quoted(dir + "/drawn.pth") + " 16 32 8") == 0);
    const torch::Tensor python_images = read_state_dict(dir + "/drawn.pth").at(0).second;
    SnapshotGenerator ours(*snapshot);
    const double diff = (ours.generate(z) - python_images).abs().max().item<double>();
    MESSAGE("max |ganscope - PyTorch| for a Python G.pth: " << diff);
    CHECK(diff <= 1e-5);

    // Other layouts: one line naming the file and what was expected.
    StateDict other = read_state_dict(dir + "/G.pth");
    for (auto& [k, t] : other) k = "model.model." + k;
    write_state_dict(dir + "/unet_like.pth", other);
    CHECK_THROWS_WITH_AS(read_plain_generator(dir + "/unet_like.pth"), doctest::Contains("seed 003's nn.Sequential layout"),
                         CheckpointError);
    StateDict wrong_rgb = read_state_dict(dir + "/G.pth");
    for (auto& [k, t] : wrong_rgb)
        if (k == "9.weight") t = torch::zeros({t.size(0), 1, 4, 4});
    write_state_dict(dir + "/gray.pth", wrong_rgb);
    CHECK_THROWS_WITH_AS(read_plain_generator(dir + "/gray.pth"), doctest::Contains("not 3 (RGB)"), CheckpointError);
    test::synthetic_folder("interop_png", 1);
    const std::string png = std::string(GANSCOPE_BINARY_DIR) + "/test-work/ml/interop_png/b/c/img0.png";
    CHECK_THROWS_WITH_AS(read_plain_generator(png), doctest::Contains("neither a ganscope checkpoint nor"), CheckpointError);
    CHECK_THROWS_WITH_AS(read_plain_generator(dir + "/none.pth"), doctest::Contains("none.pth"), CheckpointError);
    for (const std::string f : {"unet_like.pth", "gray.pth"}) {
        try {
            read_plain_generator(dir + "/" + f);
        } catch (const CheckpointError& e) {
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
}
