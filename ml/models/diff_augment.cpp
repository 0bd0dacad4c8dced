// DiffAugment's colour, translation and cutout (see diff_augment.h). Any thread.
#include "ml/models/diff_augment.h"

#include <sstream>
#include <stdexcept>

namespace ganscope {

AugmentPolicy parse_augment_policy(const std::string& text) {
    AugmentPolicy p;
    if (text.empty() || text == "none") return p;
    std::stringstream in(text);
    for (std::string part; std::getline(in, part, ',');) {
        if (part == "color" || part == "colour") p.color = true;
        else if (part == "translation") p.translation = true;
        else if (part == "cutout") p.cutout = true;
        else throw std::invalid_argument("--diffaug " + text + ": unknown part '" + part + "'; use color,translation,cutout (any of them) or none");
    }
    return p;
}

std::string to_string(const AugmentPolicy& p) {
    std::string out;
    auto add = [&](bool on, const char* name) {
        if (on) out += (out.empty() ? "" : ",") + std::string(name);
    };
    add(p.color, "color");
    add(p.translation, "translation");
    add(p.cutout, "cutout");
    return out.empty() ? "none" : out;
}

AugmentParams draw_augment(const AugmentPolicy& policy, int64_t n, int64_t size, at::Generator& rng,
                           const torch::TensorOptions& options) {
    AugmentParams a;
    a.count = n;
    a.size = size;
    const auto real = options.dtype(torch::kFloat);
    const auto whole = options.dtype(torch::kLong);
    // Always drawn in the same order, whatever is on, so the stream stays easy to reason about.
    if (policy.color) {
        a.brightness = torch::rand({n, 1, 1, 1}, rng, real) - 0.5;
        a.saturation = torch::rand({n, 1, 1, 1}, rng, real) * 2;
        a.contrast = torch::rand({n, 1, 1, 1}, rng, real) + 0.5;
    }
    if (policy.translation) {
        const int64_t shift = int64_t(double(size) * 0.125 + 0.5);
        a.shift_x = torch::randint(-shift, shift + 1, {n}, rng, whole);
        a.shift_y = torch::randint(-shift, shift + 1, {n}, rng, whole);
    }
    if (policy.cutout) {
        const int64_t cut = int64_t(double(size) * 0.5 + 0.5);
        // The square's centre anywhere in the image (DiffAugment's range), so it may hang over an edge.
        a.cut_x = torch::randint(0, size + (1 - cut % 2), {n}, rng, whole) - cut / 2;
        a.cut_y = torch::randint(0, size + (1 - cut % 2), {n}, rng, whole) - cut / 2;
    }
    return a;
}

torch::Tensor apply_augment(const AugmentPolicy& policy, const torch::Tensor& input, const AugmentParams& a) {
    if (!policy.any()) return input;
    if (input.dim() != 4 || input.size(0) != a.count || input.size(2) != a.size || input.size(3) != a.size)
        throw std::invalid_argument("diffaug: a batch of " + c10::str(input.sizes()) + " for parameters drawn for " +
                                    std::to_string(a.count) + " images of " + std::to_string(a.size) + " px");
    torch::Tensor x = input;
    const int64_t s = a.size;
    if (policy.color) {
        x = x + a.brightness;
        const torch::Tensor pixel_mean = x.mean(1, /*keepdim=*/true);
        x = (x - pixel_mean) * a.saturation + pixel_mean;
        const torch::Tensor image_mean = x.mean(torch::IntArrayRef{1, 2, 3}, /*keepdim=*/true);
        x = (x - image_mean) * a.contrast + image_mean;
    }
    if (policy.translation) {
        // Read each output pixel from (y - dy, x - dx) of the image framed by one row of zeros; indices outside
        // clamp onto that frame.
        namespace F = torch::nn::functional;
        const auto whole = torch::TensorOptions(x.device()).dtype(torch::kLong);
        const torch::Tensor framed = F::pad(x, F::PadFuncOptions({1, 1, 1, 1})).permute({0, 2, 3, 1});
        const torch::Tensor line = torch::arange(s, whole).unsqueeze(0);
        const torch::Tensor rows = (line - a.shift_y.unsqueeze(1) + 1).clamp(0, s + 1).unsqueeze(2);  // N x S x 1
        const torch::Tensor cols = (line - a.shift_x.unsqueeze(1) + 1).clamp(0, s + 1).unsqueeze(1);  // N x 1 x S
        const torch::Tensor images = torch::arange(a.count, whole).view({a.count, 1, 1});
        x = framed.index({images, rows, cols}).permute({0, 3, 1, 2});
    }
    if (policy.cutout) {
        const int64_t cut = int64_t(double(s) * 0.5 + 0.5);
        const auto whole = torch::TensorOptions(x.device()).dtype(torch::kLong);
        const torch::Tensor ys = torch::arange(s, whole).view({1, s, 1});
        const torch::Tensor xs = torch::arange(s, whole).view({1, 1, s});
        const torch::Tensor y0 = a.cut_y.view({-1, 1, 1}), x0 = a.cut_x.view({-1, 1, 1});
        const torch::Tensor inside = (ys >= y0) & (ys < y0 + cut) & (xs >= x0) & (xs < x0 + cut);
        x = x * (~inside).to(x.dtype()).unsqueeze(1);
    }
    return x.contiguous(input.suggest_memory_format());
}

}  // namespace ganscope
