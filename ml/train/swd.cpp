// Laplacian pyramids, patch descriptors and their sliced Wasserstein distance (see swd.h). Any thread.
#include "ml/train/swd.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "ml/run/cache_key.h"
#include "ml/run/checked_archive.h"
#include "ml/run/module_io.h"

namespace ganscope {
namespace {

// The 5x5 binomial filter ([1 4 6 4 1] / 16 in each direction), one per channel for a grouped convolution.
torch::Tensor binomial_kernel(int64_t channels, const torch::TensorOptions& options) {
    const torch::Tensor k = torch::tensor({1.0f, 4.0f, 6.0f, 4.0f, 1.0f}) / 16.0f;
    return torch::outer(k, k).to(options).view({1, 1, 5, 5}).expand({channels, 1, 5, 5}).contiguous();
}

torch::Tensor blur(const torch::Tensor& x, const torch::Tensor& kernel) {
    namespace F = torch::nn::functional;
    const torch::Tensor padded = F::pad(x, F::PadFuncOptions({2, 2, 2, 2}).mode(torch::kReflect));
    return F::conv2d(padded, kernel, F::Conv2dFuncOptions().groups(x.size(1)));
}

torch::Tensor pyramid_down(const torch::Tensor& x, const torch::Tensor& kernel) {
    using torch::indexing::Slice;
    return blur(x, kernel).index({Slice(), Slice(), Slice(0, torch::indexing::None, 2), Slice(0, torch::indexing::None, 2)});
}

// Zeros between the samples, then the same filter scaled by 4 (the energy the zeros took away).
torch::Tensor pyramid_up(const torch::Tensor& x, const torch::Tensor& kernel) {
    using torch::indexing::Slice;
    torch::Tensor up = torch::zeros({x.size(0), x.size(1), 2 * x.size(2), 2 * x.size(3)}, x.options());
    up.index_put_({Slice(), Slice(), Slice(0, torch::indexing::None, 2), Slice(0, torch::indexing::None, 2)}, x);
    return blur(up, kernel) * 4.0f;
}

}  // namespace

std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor& images, int levels) {
    if (images.dim() != 4 || levels < 1)
        throw std::invalid_argument("laplacian_pyramid: needs N x C x H x W images and at least one level");
    if (levels > 1 && (images.size(2) % (int64_t(1) << (levels - 1)) || images.size(3) % (int64_t(1) << (levels - 1))))
        throw std::invalid_argument("laplacian_pyramid: image sides must be divisible by 2^(levels - 1)");
    const torch::Tensor kernel = binomial_kernel(images.size(1), images.options());
    std::vector<torch::Tensor> pyramid;
    torch::Tensor current = images;
    for (int i = 0; i + 1 < levels; ++i) {
        torch::Tensor down = pyramid_down(current, kernel);
        pyramid.push_back(current - pyramid_up(down, kernel));
        current = down;
    }
    pyramid.push_back(current);
    return pyramid;
}

std::vector<int> swd_resolutions(int size, int min_resolution) {
    if (size < 8 || (size & (size - 1)))
        throw std::invalid_argument("swd: image size " + std::to_string(size) + " must be a power of two of at least 8");
    std::vector<int> out;
    for (int s = size; s >= std::min(min_resolution, size); s /= 2) out.push_back(s);
    return out;
}

SwdDescriptors swd_descriptors(const torch::Tensor& images, const SwdOptions& options, at::Generator& patch_rng) {
    torch::NoGradGuard no_grad;
    const int size = int(images.size(3));
    if (images.dim() != 4 || images.size(2) != size)
        throw std::invalid_argument("swd: descriptors need square N x C x S x S images, got " + c10::str(images.sizes()));
    SwdDescriptors out;
    out.resolutions = swd_resolutions(size, options.min_resolution);
    const auto pyramid = laplacian_pyramid(images.to(torch::kFloat).contiguous(), int(out.resolutions.size()));
    const int64_t n = images.size(0), c = images.size(1), p = options.patch_size, count = options.patches_per_image;
    for (const torch::Tensor& level : pyramid) {
        const int64_t s = level.size(2);
        if (s < p) throw std::invalid_argument("swd: a " + std::to_string(s) + " px level is smaller than the patch");
        // Flat offsets of one patch's values (channel, row, column) from its top-left corner, then one row of
        // indices per patch into the image's flattened values.
        const auto cpu_long = torch::TensorOptions().dtype(torch::kLong);
        const torch::Tensor ch = torch::arange(c, cpu_long).view({c, 1, 1}) * (s * s);
        const torch::Tensor dy = torch::arange(p, cpu_long).view({1, p, 1}) * s;
        const torch::Tensor dx = torch::arange(p, cpu_long).view({1, 1, p});
        const torch::Tensor offsets = (ch + dy + dx).reshape({1, 1, c * p * p});
        const torch::Tensor ys = torch::randint(s - p + 1, {n, count}, patch_rng, cpu_long);
        const torch::Tensor xs = torch::randint(s - p + 1, {n, count}, patch_rng, cpu_long);
        const torch::Tensor index = ((ys * s + xs).unsqueeze(2) + offsets).to(level.device());
        const torch::Tensor flat = level.reshape({n, 1, c * s * s}).expand({n, count, c * s * s});
        out.levels.push_back(flat.gather(2, index).reshape({n * count, c * p * p}));
    }
    return out;
}

void append_descriptors(SwdDescriptors& a, const SwdDescriptors& b) {
    if (a.levels.empty()) {
        a = b;
        return;
    }
    if (a.resolutions != b.resolutions) throw std::invalid_argument("swd: descriptor sets of different resolutions");
    for (size_t i = 0; i < a.levels.size(); ++i) a.levels[i] = torch::cat({a.levels[i], b.levels[i]});
}

torch::Tensor normalise_descriptors(const torch::Tensor& d, int channels) {
    const torch::Tensor v = d.to(torch::kFloat).reshape({d.size(0), channels, -1});
    const torch::Tensor mean = v.mean(torch::IntArrayRef{0, 2}, /*keepdim=*/true);
    const torch::Tensor std = v.std(torch::IntArrayRef{0, 2}, /*unbiased=*/false, /*keepdim=*/true).clamp_min(1e-8);
    return ((v - mean) / std).reshape({d.size(0), -1});
}

SwdResult sliced_wasserstein(const SwdDescriptors& a, const SwdDescriptors& b, const SwdOptions& options) {
    torch::NoGradGuard no_grad;
    if (a.resolutions != b.resolutions || a.levels.size() != b.levels.size() || a.levels.empty())
        throw std::invalid_argument("swd: the two descriptor sets describe different resolutions");
    const int channels = int(a.levels[0].size(1) / (options.patch_size * options.patch_size));
    SwdResult result;
    result.resolutions = a.resolutions;
    for (size_t level = 0; level < a.levels.size(); ++level) {
        torch::Tensor da = normalise_descriptors(a.levels[level], channels);
        torch::Tensor db = normalise_descriptors(b.levels[level], channels).to(da.device());
        // The larger set is read at the smaller one's quantiles.
        if (da.size(0) < db.size(0)) std::swap(da, db);
        const int64_t m = db.size(0), n = da.size(0);
        torch::Tensor pick;
        if (n != m)
            pick = ((torch::arange(m, torch::kDouble) + 0.5) * double(n) / double(m)).floor().to(torch::kLong).clamp_max(n - 1).to(da.device());
        at::Generator dir_rng = make_random_generator(torch::kCPU, options.seed + level);
        double total = 0;
        for (int r = 0; r < options.repeats; ++r) {
            torch::Tensor dirs = torch::randn({da.size(1), options.directions}, dir_rng, torch::kFloat);
            dirs = (dirs / dirs.norm(2, torch::IntArrayRef{0}, /*keepdim=*/true)).to(da.device());
            // Directions x descriptors, so each direction's projections are contiguous for the sort.
            const torch::Tensor dirs_t = dirs.t().contiguous();
            torch::Tensor pa = std::get<0>(dirs_t.mm(da.t()).sort(1));
            const torch::Tensor pb = std::get<0>(dirs_t.mm(db.t()).sort(1));
            if (pick.defined()) pa = pa.index_select(1, pick);
            total += (pa - pb).abs().mean().item<double>();
        }
        result.per_level.push_back(1e3 * total / options.repeats);
    }
    double sum = 0;
    for (double v : result.per_level) sum += v;
    result.mean = sum / double(result.per_level.size());
    return result;
}

SwdDescriptors describe_images(int64_t count, int64_t batch,
                               const std::function<torch::Tensor(int64_t begin, int64_t end)>& batch_of,
                               const SwdOptions& options, uint64_t seed) {
    at::Generator patch_rng = make_random_generator(torch::kCPU, seed);
    std::vector<SwdDescriptors> parts;
    for (int64_t begin = 0; begin < count; begin += batch)
        parts.push_back(swd_descriptors(batch_of(begin, std::min(count, begin + batch)), options, patch_rng));
    if (parts.empty()) throw std::invalid_argument("swd: no images to describe");
    SwdDescriptors out;
    out.resolutions = parts[0].resolutions;
    for (size_t level = 0; level < parts[0].levels.size(); ++level) {
        std::vector<torch::Tensor> rows;
        for (const auto& p : parts) rows.push_back(p.levels[level]);
        out.levels.push_back(torch::cat(rows));
    }
    return out;
}

bool load_descriptors(const std::string& path, const std::string& key, SwdDescriptors& out) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return false;
    try {
        torch::serialize::InputArchive archive = open_checked_archive(path, "SWD cache");
        c10::IValue stored_key;
        if (!archive.try_read("key", stored_key) || !stored_key.isString() || stored_key.toStringRef() != key) return false;
        torch::Tensor resolutions;
        archive.read("resolutions", resolutions);
        SwdDescriptors d;
        for (int64_t i = 0; i < resolutions.size(0); ++i) {
            d.resolutions.push_back(int(resolutions[i].item<int64_t>()));
            torch::Tensor level;
            archive.read("level_" + std::to_string(i), level);
            d.levels.push_back(level);
        }
        out = std::move(d);
        return true;
    } catch (const std::exception&) {
        return false;  // cut short or from another version: recompute
    }
}

void save_descriptors(const std::string& path, const std::string& key, const SwdDescriptors& d) {
    torch::serialize::OutputArchive archive;
    archive.write("key", c10::IValue(key));
    std::vector<int64_t> res(d.resolutions.begin(), d.resolutions.end());
    archive.write("resolutions", torch::tensor(res, torch::kLong));
    for (size_t i = 0; i < d.levels.size(); ++i) archive.write("level_" + std::to_string(i), d.levels[i].cpu());
    if (!save_cache_archive(archive, path))
        throw std::runtime_error(
            path + ": cannot write the metric's descriptor cache; check that the cache folder is writable");
}

}  // namespace ganscope
