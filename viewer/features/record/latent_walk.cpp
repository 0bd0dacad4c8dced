// Latent interpolation and random-walk videos; see latent_walk.h.
#include "viewer/features/record/latent_walk.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>

namespace ganscope {

WalkKind parse_walk_kind(const std::string& text) {
    if (text == "interp" || text == "interpolate" || text == "slerp") return WalkKind::Interpolate;
    if (text == "random" || text == "walk") return WalkKind::Random;
    throw std::invalid_argument("latent walk '" + text + "': use interp or random");
}

torch::Tensor slerp_rows(const torch::Tensor& a, const torch::Tensor& b, double t) {
    torch::NoGradGuard no_grad;
    auto an = a / a.norm(2, -1, true).clamp_min(1e-8);
    auto bn = b / b.norm(2, -1, true).clamp_min(1e-8);
    auto omega = (an * bn).sum(-1, true).clamp(-1.0, 1.0).acos();
    auto so = omega.sin();
    auto parallel = so.abs() < 1e-6;
    auto wa = torch::where(parallel, torch::full_like(so, 1.0 - t), ((1.0 - t) * omega).sin() / so);
    auto wb = torch::where(parallel, torch::full_like(so, t), (t * omega).sin() / so);
    return wa * a + wb * b;
}

LatentPath::LatentPath(int latent_dim, WalkOptions options) : m_options(options) {
    if (latent_dim <= 0) throw std::invalid_argument("latent walk: latent size must be positive");
    if (m_options.count < 1 || m_options.frames < 1)
        throw std::invalid_argument("latent walk: need at least one latent and one frame");
    auto gen = at::detail::createCPUGenerator(m_options.seed);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    const int n = m_options.count;
    m_path.reserve(size_t(m_options.frames));
    if (m_options.kind == WalkKind::Interpolate) {
        const int k = std::max(2, m_options.keyframes);
        std::vector<torch::Tensor> keys;
        for (int i = 0; i < k; ++i) keys.push_back(torch::randn({n, latent_dim}, gen, opts));
        // A loop: the last frame leads back into the first, so the video repeats seamlessly.
        for (int f = 0; f < m_options.frames; ++f) {
            double pos = double(f) * k / m_options.frames;
            int seg = std::min(int(pos), k - 1);
            double t = pos - seg;
            t = t * t * (3 - 2 * t);  // ease in and out of each keyframe
            m_path.push_back(slerp_rows(keys[size_t(seg)], keys[size_t((seg + 1) % k)], t));
        }
    } else {
        // Position on the sphere of radius sqrt(L) (where Gaussian latents live); the direction is a
        // smoothed random process kept tangent to the sphere, so the path bends but never jerks.
        const double radius = std::sqrt(double(latent_dim));
        auto z = torch::randn({n, latent_dim}, gen, opts);
        z = z / z.norm(2, -1, true) * radius;
        auto v = torch::randn({n, latent_dim}, gen, opts);
        const double keep = std::clamp(m_options.smoothness, 0.0, 0.999);
        for (int f = 0; f < m_options.frames; ++f) {
            m_path.push_back(z.clone());
            auto noise = torch::randn({n, latent_dim}, gen, opts);
            v = keep * v + std::sqrt(1 - keep * keep) * noise;
            auto unit = z / radius;
            auto tangent = v - (v * unit).sum(-1, true) * unit;
            tangent = tangent / tangent.norm(2, -1, true).clamp_min(1e-8);
            // Rotate by `speed` radians towards the tangent direction (a great-circle step).
            z = (unit * std::cos(m_options.speed) + tangent * std::sin(m_options.speed)) * radius;
        }
    }
}

const torch::Tensor& LatentPath::at(int frame) const {
    if (frame < 0 || frame >= int(m_path.size()))
        throw std::out_of_range("latent walk frame " + std::to_string(frame) + " is outside 0.." +
                                std::to_string(m_path.size() - 1));
    return m_path[size_t(frame)];
}

int64_t render_walk(const GenerateFn& generate, const LatentPath& walk, const FrameLayout& layout, VideoWriter& writer) {
    int64_t pushed = 0;
    for (int f = 0; f < walk.frames() && !writer.failed(); ++f) {
        torch::Tensor images = generate(walk.at(f));
        if (writer.push(grid_to_frame(images, layout))) ++pushed;
    }
    return pushed;
}

}  // namespace ganscope
