// sequential_feature_maps (see feature_maps.h). Any thread that owns the module.
#include "ml/models/feature_maps.h"

namespace ganscope {

namespace {

// "torch::nn::ConvTranspose2dImpl" -> "ConvTranspose2d"
std::string short_kind(const std::string& kind) {
    std::string name = kind.substr(kind.rfind(':') + 1);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
    return name;
}

std::string block_name(size_t index, const std::string& first_module, const torch::Tensor& maps) {
    std::string name = "block " + std::to_string(index) + ": " + first_module + " ";
    for (int64_t d = 0; d < maps.dim(); ++d) name += (d ? " x " : "") + std::to_string(maps.size(d));
    return name;
}

}  // namespace

std::vector<LayerMaps> sequential_feature_maps(torch::nn::Sequential& net, const torch::Tensor& input) {
    if (input.size(0) != 1)
        throw std::invalid_argument("feature maps are of one input; got a batch of " + std::to_string(input.size(0)));
    torch::NoGradGuard no_grad;
    std::vector<LayerMaps> out;
    torch::Tensor x = input;
    std::string block_start;  // the first module of the block an activation ends
    for (torch::nn::AnyModule& module : *net) {
        const std::string kind = module.ptr()->name();  // "torch::nn::ConvTranspose2dImpl"
        if (block_start.empty()) block_start = short_kind(kind);
        x = module.forward(x);
        const bool activation = kind.find("ReLU") != std::string::npos || kind.find("Tanh") != std::string::npos;
        if (!activation) continue;
        torch::Tensor maps = x.detach()[0].to(torch::kCPU, torch::kFloat32).clone();
        out.push_back({block_name(out.size() + 1, block_start, maps), maps});
        block_start.clear();
    }
    // A network that ends without an activation (a discriminator's logits): its output is the last block.
    if (!block_start.empty()) {
        torch::Tensor maps = x.detach()[0].to(torch::kCPU, torch::kFloat32).clone();
        out.push_back({block_name(out.size() + 1, block_start, maps), maps});
    }
    return out;
}

}  // namespace ganscope
