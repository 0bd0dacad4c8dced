// FID and KID arithmetic against closed forms and a direct transcription, and the FID weights loader's refusals
// (a cut file, a flipped byte, another network's file: one line naming the file). The comparison with pytorch-fid
// and torch-fidelity themselves, through the network, is tests/cli/fid.sh.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "ml/metrics/fid_inception.h"
#include "ml/metrics/fid_kid.h"
#include "ml/metrics/inception_features.h"
#include "ml/run/module_io.h"
#include "ml/run/torch_pickle.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

// Samples of N(mean, diag(var)) whose sample mean and covariance are exactly those (whitened, then scaled).
torch::Tensor exact_gaussian(int64_t n, const torch::Tensor& mean, const torch::Tensor& var, uint64_t seed) {
    torch::manual_seed(seed);
    torch::Tensor z = torch::randn({n, mean.size(0)}, torch::kFloat64);
    z = z - z.mean(0);
    // Whiten: z <- z (zᵀz / (n-1))^(-1/2), so the sample covariance is the identity.
    auto [w, v] = torch::linalg_eigh(z.t().mm(z) / double(n - 1));
    z = z.mm(v.mm(torch::diag(w.rsqrt())).mm(v.t()));
    return z * var.sqrt() + mean;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("FID of Gaussians with diagonal covariances equals the closed form, with N above and below d") {
    const int64_t d = 6;
    const torch::Tensor m1 = torch::tensor({0.0, 1.0, 2.0, 0.5, -1.0, 3.0}, torch::kFloat64);
    const torch::Tensor m2 = torch::tensor({0.5, 1.0, 1.0, 0.0, -1.0, 2.0}, torch::kFloat64);
    const torch::Tensor v1 = torch::tensor({1.0, 4.0, 0.25, 2.0, 1.0, 9.0}, torch::kFloat64);
    const torch::Tensor v2 = torch::tensor({4.0, 1.0, 1.0, 0.5, 1.0, 1.0}, torch::kFloat64);
    // ||m1 - m2||² + Σ (sqrt(v1) - sqrt(v2))²
    const double expected =
        (m1 - m2).square().sum().item<double>() + (v1.sqrt() - v2.sqrt()).square().sum().item<double>();
    const double fid =
        frechet_distance(feature_stats(exact_gaussian(50, m1, v1, 1)), feature_stats(exact_gaussian(80, m2, v2, 2)));
    CHECK(fid == doctest::Approx(expected).epsilon(1e-10));
    CHECK(frechet_distance(feature_stats(exact_gaussian(50, m1, v1, 1)),
                           feature_stats(exact_gaussian(50, m1, v1, 3))) == doctest::Approx(0).epsilon(1e-10));
    (void)d;
}

TEST_CASE("FID with fewer samples than dimensions equals the square-root-of-covariance form") {
    // N = 5 < d = 12: rank-deficient covariances (as any FID of under 2049 images). Reference: sqrt(S1) S2 sqrt(S1)
    // through eigendecompositions, eigenvalues below zero (rounding) taken as zero.
    torch::manual_seed(4);
    const torch::Tensor a = torch::rand({5, 12}, torch::kFloat64), b = torch::rand({7, 12}, torch::kFloat64) * 1.5;
    auto cov = [](const torch::Tensor& x) {
        const torch::Tensor c = x - x.mean(0);
        return c.t().mm(c) / double(x.size(0) - 1);
    };
    const torch::Tensor s1 = cov(a), s2 = cov(b);
    auto [w, v] = torch::linalg_eigh(s1);
    const torch::Tensor r = v.mm(torch::diag(w.clamp_min(0).sqrt())).mm(v.t());
    const double tr_sqrt = torch::linalg_eigvalsh(r.mm(s2).mm(r)).clamp_min(0).sqrt().sum().item<double>();
    const double expected = (a.mean(0) - b.mean(0)).square().sum().item<double>() + s1.trace().item<double>() +
                            s2.trace().item<double>() - 2 * tr_sqrt;
    // The reference itself is the less exact one: the square roots of the rounding noise left in the zero
    // eigenvalues (about 1e-16) add about 1e-8 each.
    CHECK(frechet_distance(feature_stats(a), feature_stats(b)) == doctest::Approx(expected).epsilon(1e-6));
}

TEST_CASE("KID is torch-fidelity's unbiased polynomial MMD; subsets as large as the sets are drawn once") {
    torch::manual_seed(5);
    const torch::Tensor x = torch::rand({9, 4}, torch::kFloat64), y = torch::rand({9, 4}, torch::kFloat64) + 0.2;
    // A loop over the definition: k(a, b) = (a·b / d + 1)³; mean over i != j of k(x_i, x_j) and k(y_i, y_j), minus
    // twice the mean over all (i, j) of k(x_i, y_j).
    auto k = [](const torch::Tensor& p, const torch::Tensor& q) {
        return std::pow(p.dot(q).item<double>() / 4 + 1, 3);
    };
    double xx = 0, yy = 0, xy = 0;
    for (int i = 0; i < 9; ++i)
        for (int j = 0; j < 9; ++j) {
            if (i != j) xx += k(x[i], x[j]), yy += k(y[i], y[j]);
            xy += k(x[i], y[j]);
        }
    const double expected = (xx + yy) / (9.0 * 8.0) - 2 * xy / 81.0;
    const KidResult r = kernel_inception_distance(x, y, 1000, 100);
    CHECK(r.subsets == 1);
    CHECK(r.subset_size == 9);
    CHECK(r.std == 0);
    CHECK(r.mean == doctest::Approx(expected).epsilon(1e-12));
    // Smaller subsets: as many draws as asked, each a valid estimate, so the spread is not zero.
    const KidResult s = kernel_inception_distance(x, y, 4, 20, 7);
    CHECK(s.subsets == 20);
    CHECK(s.std > 0);
    CHECK(std::isfinite(s.mean));
}

TEST_CASE("The FID weights loader refuses a cut file, a flipped byte and another network's file in one line") {
    const std::string dir = test::scratch_dir("fid_weights");
    auto one_line_naming = [](const std::string& message, const std::string& file) {
        CHECK_MESSAGE(message.find(file) != std::string::npos, message);
        CHECK_MESSAGE(message.find('\n') == std::string::npos, message);
    };
    // The real network's state with one entry renamed and one misshapen: another layout.
    FidInception net;
    std::vector<std::pair<std::string, torch::Tensor>> state;
    for (const auto& p : net->named_parameters(true)) state.emplace_back(p.key(), p.value().detach());
    for (const auto& b : net->named_buffers(true)) state.emplace_back(b.key(), b.value().detach());
    auto wrong = state;
    wrong[0].first = "features.0.weight";
    wrong[3].second = torch::zeros({7});
    const std::string wrong_path = dir + "/wrong.pth";
    write_torch_save(wrong_path, wrong);
    const std::string e1 = error_of([&] { load_fid_inception(wrong_path, torch::kCPU); });
    one_line_naming(e1, "wrong.pth");
    CHECK_MESSAGE(e1.find("not the weights of pytorch-fid's FID Inception") != std::string::npos, e1);
    CHECK_MESSAGE(e1.find("features.0.weight") != std::string::npos, e1);

    // A good file loads (the file's `fc` is accepted and ignored); a cut copy and a flipped byte do not.
    const std::string good = dir + "/good.pth";
    auto with_fc = state;
    with_fc.emplace_back("fc.weight", torch::zeros({1008, kFidFeatures}));
    with_fc.emplace_back("fc.bias", torch::zeros({1008}));
    write_torch_save(good, with_fc);
    CHECK(error_of([&] { load_fid_inception(good, torch::kCPU); }).empty());
    std::string bytes;
    {
        std::ifstream in(good, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    {
        std::ofstream out(dir + "/cut.pth", std::ios::binary);
        out.write(bytes.data(), std::streamsize(bytes.size() / 2));
    }
    one_line_naming(error_of([&] { load_fid_inception(dir + "/cut.pth", torch::kCPU); }), "cut.pth");
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x40);
    {
        std::ofstream out(dir + "/flipped.pth", std::ios::binary);
        out.write(bytes.data(), std::streamsize(bytes.size()));
    }
    one_line_naming(error_of([&] { load_fid_inception(dir + "/flipped.pth", torch::kCPU); }), "flipped.pth");
    one_line_naming(error_of([&] { load_fid_inception(dir + "/absent.pth", torch::kCPU); }), "absent.pth");
}

TEST_CASE("Without weights the message says where they were looked for and where to get them") {
    const std::string message =
        fid_weights_missing("/nowhere/pt_inception-2015-12-05-6726825d.pth", "GANSCOPE_FID_WEIGHTS");
    CHECK(message.find("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                       "pt_inception-2015-12-05-6726825d.pth") != std::string::npos);
    CHECK(message.find("/nowhere/") != std::string::npos);
    CHECK(message.find("--fid-weights") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
}
