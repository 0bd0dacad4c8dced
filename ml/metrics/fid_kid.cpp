// FID and KID between feature sets (see fid_kid.h).
#include "ml/metrics/fid_kid.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace ganscope {

FeatureStats feature_stats(const torch::Tensor& features) {
    if (features.dim() != 2 || features.size(0) < 2)
        throw std::invalid_argument("FID: needs at least 2 feature vectors (N x d), got " +
                                    std::to_string(features.dim() == 2 ? features.size(0) : 0));
    torch::NoGradGuard no_grad;
    const torch::Tensor x = features.to(torch::kCPU, torch::kFloat64);
    const int64_t n = x.size(0), d = x.size(1);
    FeatureStats s;
    s.count = n;
    s.mean = x.mean(0);
    const torch::Tensor centred = (x - s.mean) / std::sqrt(double(n - 1));
    if (n <= d) {
        s.factor = centred.contiguous();
    } else {
        // The covariance's own symmetric square root: eigenvalues below zero are rounding, so zero.
        const torch::Tensor cov = centred.t().mm(centred);
        auto [w, v] = torch::linalg_eigh(cov);
        s.factor = (v * w.clamp_min(0).sqrt().unsqueeze(0)).mm(v.t());
    }
    return s;
}

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
    if (!a.mean.defined() || !b.mean.defined() || a.mean.size(0) != b.mean.size(0))
        throw std::invalid_argument("FID: the two feature sets have different dimensions");
    torch::NoGradGuard no_grad;
    const double mean_term = (a.mean - b.mean).square().sum().item<double>();
    const double traces = a.factor.square().sum().item<double>() + b.factor.square().sum().item<double>();
    // tr sqrt(S1 S2) = tr sqrt(A1ᵀ A1 A2ᵀ A2): the non-zero eigenvalues of S1 S2 are those of (A1 A2ᵀ)(A1 A2ᵀ)ᵀ,
    // the squared singular values of A1 A2ᵀ.
    const double tr_sqrt = torch::linalg_svdvals(a.factor.mm(b.factor.t())).sum().item<double>();
    return mean_term + traces - 2 * tr_sqrt;
}

namespace {

// torch-fidelity's mmd2 (unbiased) with its polynomial kernel, on one pair of equal-size subsets.
double polynomial_mmd2(const torch::Tensor& x, const torch::Tensor& y) {
    const double m = double(x.size(0)), gamma = 1.0 / double(x.size(1));
    auto kernel = [&](const torch::Tensor& p, const torch::Tensor& q) { return (p.mm(q.t()) * gamma + 1).pow(3); };
    const torch::Tensor kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y);
    const double xx = (kxx.sum() - kxx.diagonal().sum()).item<double>();
    const double yy = (kyy.sum() - kyy.diagonal().sum()).item<double>();
    return (xx + yy) / (m * (m - 1)) - 2 * kxy.sum().item<double>() / (m * m);
}

torch::Tensor choose(const torch::Tensor& set, int64_t count, std::mt19937_64& rng) {
    const int64_t n = set.size(0);
    if (count >= n) return set;
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = 0; i < count; ++i) {  // partial Fisher-Yates: `count` distinct indices
        std::uniform_int_distribution<int64_t> pick(i, n - 1);
        std::swap(order[size_t(i)], order[size_t(pick(rng))]);
    }
    order.resize(size_t(count));
    return set.index_select(0, torch::tensor(order, torch::kLong));
}

}  // namespace

KidResult kernel_inception_distance(const torch::Tensor& a, const torch::Tensor& b, int64_t subset_size, int subsets,
                                    uint64_t seed) {
    if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
        throw std::invalid_argument("KID: the two feature sets must be N x d with the same d");
    if (subset_size < 2 || subsets < 1)
        throw std::invalid_argument("KID: the subset size must be at least 2 and the subsets at least 1");
    torch::NoGradGuard no_grad;
    const torch::Tensor x = a.to(torch::kCPU, torch::kFloat64), y = b.to(torch::kCPU, torch::kFloat64);
    KidResult r;
    r.subset_size = std::min({subset_size, x.size(0), y.size(0)});
    if (r.subset_size < 2) throw std::invalid_argument("KID: needs at least 2 feature vectors on each side");
    // Subsets as large as both sets are the sets themselves in another order: every draw gives the same value.
    r.subsets = (r.subset_size == x.size(0) && r.subset_size == y.size(0)) ? 1 : subsets;
    std::mt19937_64 rng(seed);
    std::vector<double> values;
    for (int i = 0; i < r.subsets; ++i) {
        const torch::Tensor xs = choose(x, r.subset_size, rng);
        values.push_back(polynomial_mmd2(xs, choose(y, r.subset_size, rng)));
    }
    r.mean = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
    double var = 0;
    for (double v : values) var += (v - r.mean) * (v - r.mean);
    r.std = std::sqrt(var / double(values.size()));
    return r;
}

}  // namespace ganscope
