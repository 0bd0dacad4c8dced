// Compatibility with the reference implementation's weights: a state_dict made by Python PyTorch in the
// junyanz UnetGenerator layout loads and gives the same outputs (eval and train BatchNorm) to 1e-4, and
// ganscope's export loads back in Python. The Python side is tests/python/pix2pix_reference.py.
#include <doctest/doctest.h>

#include <cstdlib>

#include "ml/run/module_io.h"
#include "ml/build_paths.h"
#include "ml/run/reference_weights.h"
#include "ml/models/translator.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

std::string script() { return std::string(build_source_dir()) + "/tests/python/pix2pix_reference.py"; }

int run(const std::string& args) {
    return std::system(("'" + reference_python() + "' '" + script() + "' " + args).c_str());
}

// The Python script runs once per test process (importing torch takes seconds); both tests share its files.
const std::string& reference_dir() {
    static const std::string dir = [] {
        const std::string d = test::scratch_dir("reference_weights");
        REQUIRE_MESSAGE(run("make '" + d + "'") == 0,
                        "the Python reference script failed; is torch in " << reference_python() << "?");
        return d;
    }();
    return dir;
}

torch::Tensor entry(const StateDict& state, const std::string& key) {
    for (const auto& [k, t] : state)
        if (k == key) return t;
    FAIL("no entry " << key);
    return {};
}

}  // namespace

TEST_CASE("a reference unet_256 state_dict made by Python loads, and outputs match to 1e-4") {
    const std::string& dir = reference_dir();
    const StateDict io = read_state_dict(dir + "/io.pth");
    const torch::Tensor x = entry(io, "input");

    UnetGenerator g = load_reference_generator(dir + "/unet.pth", torch::kCPU);
    CHECK(g->options.num_downs == 8);
    CHECK(g->options.ngf == 8);
    torch::NoGradGuard no_grad;
    set_inference_mode(g, NormMode::Eval);
    const double diff_eval = (g->forward(x) - entry(io, "out_eval")).abs().max().item<double>();
    set_inference_mode(g, NormMode::Train);
    const double diff_train = (g->forward(x) - entry(io, "out_train")).abs().max().item<double>();
    MESSAGE("max |ganscope - PyTorch|: eval " << diff_eval << ", train-mode BatchNorm " << diff_train);
    CHECK(diff_eval <= 1e-4);
    CHECK(diff_train <= 1e-4);
    // The same weights in the legacy (pre-1.6) torch.save format, as the published models are.
    UnetGenerator legacy = load_reference_generator(dir + "/unet_legacy.pth", torch::kCPU);
    CHECK((legacy->forward(x) - entry(io, "out_eval")).abs().max().item<double>() <= 1e-4);
    // The two modes really differ here, so the comparison above tests both paths.
    CHECK((entry(io, "out_eval") - entry(io, "out_train")).abs().max().item<double>() > 1e-2);

    // Export: Python loads ganscope's state_dict (strict) and reproduces ganscope's output.
    set_inference_mode(g, NormMode::Eval);
    const torch::Tensor ours = g->forward(x);
    write_state_dict(dir + "/exported.pth", unet_state_dict(g));
    write_state_dict(dir + "/expected.pth", {{"input", x}, {"output", ours}});
    CHECK(run("check '" + dir + "/exported.pth' '" + dir + "/expected.pth'") == 0);

    // The translator opens the same file as a model.
    auto t = Translator::open(dir + "/unet.pth", torch::kCPU);
    CHECK(t->image_size() == 256);
    CHECK(t->translate(Image(300, 256, 3, 200)).width == 256);
}

TEST_CASE("another architecture's state_dict is refused with its keys named") {
    const std::string& dir = reference_dir();
    CHECK_THROWS_WITH_AS(load_reference_generator(dir + "/resnet.pth", torch::kCPU), doctest::Contains("model.1.weight"),
                         CheckpointError);
    // A U-Net of another depth: the mismatched names are listed.
    const StateDict state = read_state_dict(dir + "/unet.pth");
    UnetOptions o;
    o.ngf = 8;
    o.num_downs = 7;
    UnetGenerator g128(o);
    CHECK_THROWS_WITH_AS(load_unet_state_dict(g128, state, "unet.pth"), doctest::Contains("unexpected model.model.1"),
                         CheckpointError);
    // Not a state_dict at all.
    CHECK_THROWS_WITH_AS(read_state_dict(dir + "/missing.pth"), doctest::Contains("missing.pth"), CheckpointError);
    test::synthetic_folder("reference_weights_png", 1);
    const std::string png = std::string(GANSCOPE_BINARY_DIR) + "/test-work/ml/reference_weights_png/b/c/img0.png";
    CHECK_THROWS_WITH_AS(Translator::open(png, torch::kCPU), doctest::Contains("img0.png"), CheckpointError);
}
