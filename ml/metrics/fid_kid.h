// The Fréchet Inception distance and the kernel Inception distance between two sets of feature vectors, in
// float64 on the CPU. Pure functions; any thread.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace ganscope {

// What FID needs of one set: its mean and a factor A of its covariance (Aᵀ A = the covariance, with the
// unbiased 1/(N-1) as numpy.cov): the centred features / sqrt(N-1) when N <= d (rank N-1 at most), else the
// symmetric square root of the covariance. Then tr sqrt(S1 S2) is the sum of the singular values of A1 A2ᵀ.
struct FeatureStats {
    torch::Tensor mean;    // d, float64
    torch::Tensor factor;  // k x d, float64
    int64_t count = 0;
};
// features: N x d (N >= 2). Throws std::invalid_argument otherwise.
FeatureStats feature_stats(const torch::Tensor& features);

// ||mu1 - mu2||² + tr S1 + tr S2 - 2 tr sqrt(S1 S2), the trace of the square root taken exactly (through the
// singular values above, so a singular covariance, which N < 2049 images always give, needs no offset).
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

struct KidResult {
    double mean = 0;
    double std = 0;           // over the subsets (population deviation, as numpy.std)
    int64_t subset_size = 0;  // what was used: the option, or the smaller set when that is smaller
    int subsets = 0;          // 1 when a subset is the whole smaller set of equal sizes (every draw the same)
};
// The unbiased MMD² estimate with the polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over `subsets` random
// subsets of `subset_size` drawn without replacement from each set (torch-fidelity's kid_features_to_metric, whose
// defaults are 100 and 1000). Subsets are drawn from `seed`.
KidResult kernel_inception_distance(const torch::Tensor& a, const torch::Tensor& b, int64_t subset_size = 1000,
                                    int subsets = 100, uint64_t seed = 2020);

}  // namespace ganscope
