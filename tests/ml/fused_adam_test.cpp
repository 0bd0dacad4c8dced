// fused_adam_step against torch::optim::Adam::step: the same updates, state that round-trips, options kept.
#include <doctest/doctest.h>

#include <sstream>

#include "ml/models/fused_adam.h"

using namespace ganscope;

namespace {

// A conv layer in channels_last (as the pix2pix task keeps its weights) and a plain linear layer.
struct Net : torch::nn::Module {
    Net() {
        conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 4).stride(2).padding(1)));
        fc = register_module("fc", torch::nn::Linear(8 * 4 * 4, 2));
        conv->weight.set_data(conv->weight.data().contiguous(torch::MemoryFormat::ChannelsLast));
    }
    torch::Tensor forward(torch::Tensor x) { return fc->forward(torch::leaky_relu(conv->forward(x), 0.2).flatten(1)); }
    torch::nn::Conv2d conv{nullptr};
    torch::nn::Linear fc{nullptr};
};

torch::Tensor flat(torch::nn::Module& m) {
    std::vector<torch::Tensor> out;
    for (auto& p : m.parameters()) out.push_back(p.detach().flatten());
    return torch::cat(out);
}

void backward(Net& net, const torch::Tensor& x) {
    net.zero_grad();
    net.forward(x).pow(2).mean().backward();
}

}  // namespace

TEST_CASE("fused Adam gives torch::optim::Adam's updates, with learning-rate changes and a state round trip") {
    torch::manual_seed(0);
    Net a, b;
    {
        torch::NoGradGuard no_grad;
        for (size_t i = 0; i < a.parameters().size(); ++i) b.parameters()[i].copy_(a.parameters()[i]);
    }
    const auto options = torch::optim::AdamOptions(2e-3).betas({0.5, 0.999});
    torch::optim::Adam ref(a.parameters(), options), fused(b.parameters(), options);
    const torch::Tensor start = flat(a);
    for (int step = 0; step < 6; ++step) {
        const torch::Tensor x = torch::randn({4, 3, 8, 8});
        backward(a, x);
        backward(b, x);
        ref.step();
        fused_adam_step(fused);
        if (step == 2) {  // a learning-rate change from the Training panel reaches the fused step
            for (auto* opt : {&ref, &fused})
                static_cast<torch::optim::AdamOptions&>(opt->param_groups()[0].options()).lr(5e-4);
        }
    }
    CHECK(torch::allclose(flat(a), flat(b), 1e-5, 1e-7));
    CHECK_FALSE(torch::allclose(flat(a), start, 1e-5, 1e-7));  // the weights moved
    CHECK(b.conv->weight.is_contiguous(torch::MemoryFormat::ChannelsLast));

    // The fused step's state is torch::optim::Adam's: it serialises, and the unfused step continues from it.
    torch::serialize::OutputArchive out;
    fused.save(out);
    std::ostringstream bytes;
    out.save_to(bytes);
    torch::serialize::InputArchive in;
    std::istringstream is(bytes.str());
    in.load_from(is);
    torch::optim::Adam reloaded(b.parameters(), options);
    reloaded.load(in);
    const auto& state = static_cast<const torch::optim::AdamParamState&>(
        *reloaded.state().at(b.conv->weight.unsafeGetTensorImpl()));
    CHECK(state.step() == 6);
    const torch::Tensor x = torch::randn({4, 3, 8, 8});
    backward(a, x);
    backward(b, x);
    ref.step();
    reloaded.step();
    CHECK(torch::allclose(flat(a), flat(b), 1e-5, 1e-7));
}
