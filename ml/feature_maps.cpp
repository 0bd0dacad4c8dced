// sequential_feature_maps (see feature_maps.h). Any thread that owns the module.
#include "ml/feature_maps.h"

namespace ganscope {

std::vector<LayerMaps> sequential_feature_maps(torch::nn::Sequential& net, const torch::Tensor& input) {
    if (input.size(0) != 1)
        throw std::invalid_argument("feature maps are of one input; got a batch of " + std::to_string(input.size(0)));
    torch::NoGradGuard no_grad;
    std::vector<LayerMaps> out;
    torch::Tensor x = input;
    std::string block_start;  // the first module of the block an activation ends
    for (torch::nn::AnyModule& module : *net) {
        const std::string kind = module.ptr()->name();  // "torch::nn::ConvTranspose2dImpl"
        if (block_start.empty()) block_start = kind.substr(kind.rfind(':') + 1);
        x = module.forward(x);
        const bool activation = kind.find("ReLU") != std::string::npos || kind.find("Tanh") != std::string::npos;
        if (!activation) continue;
        torch::Tensor maps = x.detach()[0].to(torch::kCPU, torch::kFloat32).clone();
        std::string name = "block " + std::to_string(out.size() + 1) + ": ";
        if (block_start.size() > 4 && block_start.compare(block_start.size() - 4, 4, "Impl") == 0)
            block_start.resize(block_start.size() - 4);
        name += block_start + " " + std::to_string(maps.size(0)) + " x " + std::to_string(maps.size(1)) + " x " +
                std::to_string(maps.size(2));
        out.push_back({name, maps});
        block_start.clear();
    }
    return out;
}

}  // namespace ganscope
