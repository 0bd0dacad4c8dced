// Latent-space math (see latent.h). Any thread; CPU tensors unless the caller passes device tensors.
#include "ml/models/latent.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ml/run/module_io.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {

torch::Tensor lerp_latent(const torch::Tensor& a, const torch::Tensor& b, double t) { return a + (b - a) * t; }

torch::Tensor slerp_latent(const torch::Tensor& a, const torch::Tensor& b, double t) {
    auto a64 = a.to(torch::kFloat64), b64 = b.to(torch::kFloat64);
    double na = a64.norm().item<double>(), nb = b64.norm().item<double>();
    if (na < 1e-12 || nb < 1e-12) return lerp_latent(a, b, t);
    double cos_omega = std::clamp((a64 / na).dot(b64 / nb).item<double>(), -1.0, 1.0);
    double omega = std::acos(cos_omega);
    double so = std::sin(omega);
    if (so < 1e-6) return lerp_latent(a, b, t);
    auto out = a64 * (std::sin((1.0 - t) * omega) / so) + b64 * (std::sin(t * omega) / so);
    return out.to(a.scalar_type());
}

torch::Tensor interpolation_path(const torch::Tensor& a, const torch::Tensor& b, int count, bool spherical) {
    if (count < 2) throw std::invalid_argument("interpolation needs at least 2 frames, got " + std::to_string(count));
    std::vector<torch::Tensor> frames;
    for (int i = 0; i < count; ++i) {
        double t = double(i) / (count - 1);
        frames.push_back(spherical ? slerp_latent(a, b, t) : lerp_latent(a, b, t));
    }
    return torch::stack(frames);
}

torch::Tensor random_orthonormal_directions(int count, int dim, uint64_t seed) {
    if (count < 1 || count > dim)
        throw std::invalid_argument("cannot make " + std::to_string(count) + " orthonormal directions in " +
                                    std::to_string(dim) + " dimensions; use 1 to " + std::to_string(dim));
    auto gen = make_random_generator(torch::kCPU, seed);
    auto m = torch::randn({dim, count}, gen, torch::TensorOptions().dtype(torch::kFloat64));
    auto [q, r] = torch::linalg_qr(m);
    // Fix QR's sign ambiguity so the same seed gives the same directions on every LAPACK.
    q = q * torch::sign(torch::diagonal(r)).unsqueeze(0);
    return q.t().contiguous().to(torch::kFloat32);
}

LatentDirections pca_directions(const std::function<torch::Tensor(const torch::Tensor&)>& features, int latent_dim,
                                int samples, int count, uint64_t seed) {
    if (count < 1 || count > latent_dim || count >= samples)
        throw std::invalid_argument("PCA directions: " + std::to_string(count) + " components need fewer than " +
                                    std::to_string(samples) + " samples and at most " + std::to_string(latent_dim) +
                                    " latent dimensions");
    auto gen = make_random_generator(torch::kCPU, seed);
    auto z = torch::randn({samples, latent_dim}, gen);
    auto y = features(z).to(torch::kCPU, torch::kFloat64).reshape({samples, -1});
    auto yc = y - y.mean(0, true);
    auto [u, s, vh] = torch::linalg_svd(yc, false);
    // SVD signs are arbitrary; make each component's largest feature loading positive so directions are stable.
    auto k_vh = vh.narrow(0, 0, count);
    auto pivot = k_vh.abs().argmax(1);
    auto signs = torch::sign(k_vh.gather(1, pivot.unsqueeze(1))).squeeze(1);
    u = u.narrow(1, 0, count) * signs.unsqueeze(0);
    auto coords = u * s.narrow(0, 0, count).unsqueeze(0);  // N x k component coordinates
    auto z64 = z.to(torch::kFloat64);
    auto zc = z64 - z64.mean(0, true);
    // Least squares: zc ~= coords @ W, so row i of W is the latent direction that moves component i.
    auto w = std::get<0>(torch::linalg_lstsq(coords, zc, c10::nullopt, c10::nullopt));
    auto directions = w / w.norm(2, 1, true).clamp_min(1e-12);
    LatentDirections out;
    out.directions = directions.to(torch::kFloat32).contiguous();
    auto variance = s.pow(2);
    double total = variance.sum().item<double>();
    for (int i = 0; i < count; ++i) out.explained.push_back(total > 0 ? variance[i].item<double>() / total : 0.0);
    return out;
}

torch::Tensor dcgan_early_features(DcganGenerator& generator, const torch::Tensor& latents) {
    torch::NoGradGuard no_grad;
    auto x = latents.view({latents.size(0), latents.size(1), 1, 1});
    // The first block: ConvTranspose, BatchNorm, ReLU. Features this early still describe layout and pose,
    // which is what GANSpace's components steer.
    size_t index = 0;
    for (auto& module : *generator->net) {
        if (index++ >= 3) break;
        x = module.forward(x);
    }
    return x.reshape({latents.size(0), -1});
}

torch::Tensor truncate_latent(const torch::Tensor& z, double psi) { return z * psi; }

torch::Tensor truncated_normal(int count, int dim, double threshold, uint64_t seed) {
    auto gen = make_random_generator(torch::kCPU, seed);
    auto z = torch::randn({count, dim}, gen);
    if (threshold <= 0) return z;
    for (int round = 0; round < 100; ++round) {
        auto bad = z.abs() > threshold;
        if (!bad.any().item<bool>()) break;
        z = torch::where(bad, torch::randn({count, dim}, gen), z);
    }
    return z.clamp(-threshold, threshold);  // after 100 rounds anything left is vanishingly rare
}

std::string latent_to_text(const torch::Tensor& z) {
    auto flat = z.to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
    std::string out;
    char buf[32];
    for (int64_t i = 0; i < flat.numel(); ++i) {
        std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", flat[i].item<float>());
        out += buf;
    }
    return out;
}

torch::Tensor latent_from_text(const std::string& text, int expected_dim) {
    std::vector<float> values;
    std::string token;
    std::stringstream ss(text);
    while (std::getline(ss, token, ',')) {
        size_t first = token.find_first_not_of(" \t\r\n[]");
        size_t last = token.find_last_not_of(" \t\r\n[]");
        if (first == std::string::npos) continue;
        std::string number = token.substr(first, last - first + 1);
        char* end = nullptr;
        float v = std::strtof(number.c_str(), &end);
        if (end == number.c_str() || *end != '\0' || !std::isfinite(v))
            throw std::invalid_argument("latent value '" + number + "' (number " + std::to_string(values.size() + 1) +
                                        ") is not a finite number; paste comma-separated numbers");
        values.push_back(v);
    }
    if (int(values.size()) != expected_dim)
        throw std::invalid_argument("latent has " + std::to_string(values.size()) + " numbers but this generator takes " +
                                    std::to_string(expected_dim));
    return torch::tensor(values);
}

void save_latent(const std::string& path, const torch::Tensor& z) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << latent_to_text(z) << "\n";
        if (!out) throw std::runtime_error("could not write latent file " + path + " (is the folder writable?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw std::runtime_error("could not move latent file into place at " + path);
    }
}

torch::Tensor load_latent(const std::string& path, int expected_dim) {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".pt" || ext == ".pth" || ext == ".safetensors") {
        // torch.save({"latent": z}) as `ganscope project` writes it (or a state_dict of that one tensor), read by
        // the checked reader: files may come from anyone.
        const auto entries = read_torch_save(path);
        const auto found =
            std::find_if(entries.begin(), entries.end(), [](const auto& e) { return e.first == "latent"; });
        if (found == entries.end())
            throw std::runtime_error(path + ": no \"latent\" entry (holds " + std::to_string(entries.size()) +
                                     " others); give a file `ganscope project` wrote, or a latent as text");
        const torch::Tensor z = found->second.to(torch::kFloat32).flatten();
        if (z.numel() != expected_dim)
            throw std::runtime_error(path + ": the latent has " + std::to_string(z.numel()) +
                                     " numbers but this generator takes " + std::to_string(expected_dim));
        if (!torch::isfinite(z).all().item<bool>())
            throw std::runtime_error(path + ": the latent holds values that are not finite numbers");
        return z.clone();
    }
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open latent file " + path + " (check the path)");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return latent_from_text(ss.str(), expected_dim);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

LatentWalk::LatentWalk(int dim, uint64_t seed) : m_rng(make_random_generator(torch::kCPU, seed)), m_dim(dim) {
    m_from = next_key();
    m_to = next_key();
}

torch::Tensor LatentWalk::next_key() { return torch::randn({m_dim}, m_rng); }

torch::Tensor LatentWalk::current() const {
    double eased = m_t * m_t * (3.0 - 2.0 * m_t);  // smoothstep: no jolt at keyframes
    return slerp_latent(m_from, m_to, eased);
}

torch::Tensor LatentWalk::advance(double dt) {
    m_t += std::max(0.0, dt);
    while (m_t >= 1.0) {
        m_t -= 1.0;
        m_from = m_to;
        m_to = next_key();
    }
    return current();
}

}  // namespace ganscope
