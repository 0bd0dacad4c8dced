// `ganscope bench nearest`: a nearest-image query (ml/metrics/nearest.h: the block-average bound, then exact
// distances) against a full comparison with every image as one flat matrix product in batches, on the same index
// and the same queries, rounds interleaved; `ratio: X` is the median of the rounds' ms ratios (lower is better).
#include <algorithm>
#include <chrono>
#include <limits>
#include <cstdio>
#include <thread>

#include "ml/data/dataset.h"
#include "ml/metrics/nearest.h"
#include "ml/models/task_factory.h"
#include "viewer/bench/bench.h"

namespace ganscope {
namespace {

// `count` images of `side` x `side`: soft discs of random colours on random backgrounds, with per-pixel noise, so
// that neighbours are near but never equal (uint8, N x 3 x S x S; made in chunks, so 100,000 fit in memory).
torch::Tensor synthetic_set(int64_t count, int64_t side, uint64_t seed) {
    torch::manual_seed(seed);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat);
    const torch::Tensor yy = torch::arange(side, opts).view({1, 1, side, 1});
    const torch::Tensor xx = torch::arange(side, opts).view({1, 1, 1, side});
    std::vector<torch::Tensor> chunks;
    for (int64_t b = 0; b < count; b += 2048) {
        const int64_t n = std::min<int64_t>(2048, count - b);
        const torch::Tensor cx = torch::rand({n, 1, 1, 1}) * side * 0.5 + side * 0.25;
        const torch::Tensor cy = torch::rand({n, 1, 1, 1}) * side * 0.5 + side * 0.25;
        const torch::Tensor r = torch::rand({n, 1, 1, 1}) * side * 0.2 + side * 0.1;
        const torch::Tensor disc = torch::sigmoid((r - ((xx - cx).pow(2) + (yy - cy).pow(2)).sqrt()) * 1.5);
        const torch::Tensor bg = torch::rand({n, 3, 1, 1}) * 255, fg = torch::rand({n, 3, 1, 1}) * 255;
        const torch::Tensor images = bg + (fg - bg) * disc + torch::randn({n, 3, side, side}) * 8;
        chunks.push_back(images.round().clamp(0, 255).to(torch::kUInt8));
    }
    return torch::cat(chunks);
}

// The reference: every distance at full size, as one float matrix product per batch of the set.
std::vector<int64_t> brute_force(const torch::Tensor& reals, const torch::Tensor& reals_sq, const torch::Tensor& q) {
    const torch::Tensor qf = q.flatten(1).to(torch::kFloat).sub(127.5f);
    const torch::Tensor q_sq = qf.pow(2).sum(1, true);
    torch::Tensor best_d = torch::full({q.size(0)}, std::numeric_limits<float>::infinity());
    torch::Tensor best_i = torch::zeros({q.size(0)}, torch::kLong);
    constexpr int64_t kBatch = 1024;
    for (int64_t b = 0; b < reals.size(0); b += kBatch) {
        const int64_t e = std::min(reals.size(0), b + kBatch);
        const torch::Tensor r = reals.slice(0, b, e).flatten(1).to(torch::kFloat).sub_(127.5f);
        const torch::Tensor d = q_sq + reals_sq.slice(0, b, e).unsqueeze(0) - 2 * torch::mm(qf, r.t());
        const auto [v, i] = d.min(1);
        const torch::Tensor better = v < best_d;
        best_d = torch::where(better, v, best_d);
        best_i = torch::where(better, i + b, best_i);
    }
    return std::vector<int64_t>(best_i.data_ptr<int64_t>(), best_i.data_ptr<int64_t>() + best_i.numel());
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int bench_nearest(const Args& args) {
    const int64_t count = args.get_int64("images", 10000);
    const int64_t side = args.get_int("size", 64);
    const int queries = args.get_int("queries", 16);
    const int rounds = args.get_int("rounds", 5);
    const int k = args.get_int("k", 8);
    if (count < 2 || side < 4 || queries < 1 || rounds < 1 || k < 1)
        throw UsageError("--images >= 2, --size >= 4, --queries, --rounds and --k >= 1");
    torch::set_num_threads(args.get_int("threads", int(std::max(1u, std::thread::hardware_concurrency()))));
    torch::NoGradGuard no_grad;

    const auto t0 = std::chrono::steady_clock::now();
    torch::Tensor pixels;
    std::vector<std::string> names;
    std::string what;
    if (args.get("data", "synthetic") == "synthetic") {
        pixels = synthetic_set(count, side, 1);
        what = "synthetic discs";
    } else {
        TrainConfig config;
        config.data = args.get("data");
        config.image_size = int(side);
        const auto source = make_source(config);
        const NearestIndex built = NearestIndex::build(*source, int(side), config.background);
        std::vector<torch::Tensor> all;
        for (int64_t i = 0; i < built.size(); ++i) all.push_back(built.image(i));
        pixels = torch::stack(all).add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
        what = source->description();
    }
    for (int64_t i = 0; i < pixels.size(0); ++i) names.push_back("image " + std::to_string(i));
    const NearestIndex index(pixels, names);
    std::vector<torch::Tensor> squares;  // in chunks, as the index does
    for (int64_t b = 0; b < pixels.size(0); b += 4096)
        squares.push_back(pixels.slice(0, b, b + 4096).flatten(1).to(torch::kFloat).sub(127.5f).pow(2).sum(1));
    const torch::Tensor reals_sq = torch::cat(squares);
    const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Queries near the set, as a generator's samples are: other draws of the same kind.
    const torch::Tensor q = synthetic_set(queries, side, 2).to(torch::kFloat).div(127.5f).sub(1.0f);
    const torch::Tensor q8 = q.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
    std::printf(
        "bench nearest: %lld images of %lldx%lld (%s), %d queries one at a time, k %d, %d threads, %d rounds "
        "(index ready in %.2f s)\n",
        static_cast<long long>(index.size()), static_cast<long long>(side), static_cast<long long>(side), what.c_str(),
        queries, k, torch::get_num_threads(), rounds, build_s);

    std::vector<double> ratios, pruned_ms, full_ms;
    int64_t comparisons = 0;
    auto ms_since = [](auto t) {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    };
    for (int r = 0; r < rounds; ++r) {
        // One query at a time, as the window asks; the two sides alternate within each round.
        double pruned = 0, full = 0;
        for (int i = 0; i < queries; ++i) {
            auto t = std::chrono::steady_clock::now();
            int64_t compared = 0;
            const auto found = index.query(q.slice(0, i, i + 1), k, {}, &compared);
            pruned += ms_since(t);
            comparisons += compared;
            t = std::chrono::steady_clock::now();
            const auto reference = brute_force(pixels, reals_sq, q8.slice(0, i, i + 1));
            full += ms_since(t);
            if (found[0][0].index != reference[0]) {
                // Equal distances may pick either; anything else is a wrong answer.
                const auto a = pixels[found[0][0].index].to(torch::kFloat64),
                           b = pixels[reference[0]].to(torch::kFloat64);
                const auto qi = q8[i].to(torch::kFloat64);
                if ((a - qi).pow(2).sum().item<double>() != (b - qi).pow(2).sum().item<double>())
                    throw std::runtime_error("bench nearest: the search and the full comparison disagree on query " +
                                             std::to_string(i));
            }
        }
        pruned /= queries;
        full /= queries;
        std::printf("round %d: search %.3f ms a query, full comparison %.3f ms, ratio %.3f\n", r + 1, pruned, full,
                    pruned / full);
        std::fflush(stdout);
        pruned_ms.push_back(pruned);
        full_ms.push_back(full);
        ratios.push_back(pruned / full);
    }
    std::printf("full-size comparisons per query: %.1f of %lld images\n",
                double(comparisons) / double(rounds * queries), static_cast<long long>(index.size()));
    std::printf("search: %.3f ms a query (median of rounds)\nfull comparison: %.3f ms\nratio: %.3f\n",
                median(pruned_ms), median(full_ms), median(ratios));
    return 0;
}

}  // namespace ganscope
