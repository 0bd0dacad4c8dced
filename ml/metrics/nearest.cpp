// Nearest training images (see nearest.h).
#include "ml/metrics/nearest.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "ml/data/emoji.h"
#include "ml/data/real_images.h"
#include "ml/run/cache_key.h"
#include "ml/run/checked_archive.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kCoarseSide = 16;                  // the bound's images: at most 16 x 16 blocks
constexpr int64_t kChunkBytes = int64_t(256) << 20;  // float work on the set goes in chunks of this size
constexpr int64_t kQueryChunk = 64;                  // queries ranked at once (their bound matrix is chunk x N floats)

// The smallest block side that divides `side` and leaves at most kCoarseSide blocks a side (the side itself when
// nothing smaller does: a prime side gets one block, a weak bound, still exact). Only whole blocks keep the bound.
int block_side(int64_t side) {
    for (int64_t b = 1; b <= side; ++b)
        if (side % b == 0 && side / b <= kCoarseSide) return int(b);
    return 1;
}

torch::Tensor bytes_of(const std::string& text) {
    return torch::from_blob(const_cast<char*>(text.data()), {int64_t(text.size())}, torch::kUInt8).clone();
}

std::string text_of(const torch::Tensor& bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), size_t(bytes.numel()));
}

// The key and the names are stored as byte tensors, not pickled strings: the archive check refuses pickles over
// 16 MiB, which the names of 100,000 files would pass.
bool load_index(const std::string& path, const std::string& key, torch::Tensor& pixels,
                std::vector<std::string>& names) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    try {
        torch::serialize::InputArchive archive = open_checked_archive(path, "nearest-image cache");
        torch::Tensor stored_key, stored_names, read;
        archive.read("key", stored_key);
        if (stored_key.scalar_type() != torch::kUInt8 || stored_key.dim() != 1 || text_of(stored_key) != key)
            return false;
        archive.read("names", stored_names);
        archive.read("pixels", read);
        if (stored_names.scalar_type() != torch::kUInt8 || stored_names.dim() != 1) return false;
        if (read.dim() != 4 || read.size(1) != 3 || read.scalar_type() != torch::kUInt8) return false;
        std::vector<std::string> read_names;
        std::stringstream in(text_of(stored_names));
        for (std::string name; std::getline(in, name);) read_names.push_back(name);
        if (int64_t(read_names.size()) != read.size(0)) return false;
        pixels = read;
        names = std::move(read_names);
        return true;
    } catch (const std::exception&) {
        return false;  // damaged or from another version: built again
    }
}

void save_index(const std::string& path, const std::string& key, const torch::Tensor& pixels,
                const std::vector<std::string>& names) {
    std::string joined;
    for (const std::string& name : names) {
        if (name.find('\n') != std::string::npos) return;  // a name with a line break: not cached
        joined += name + "\n";
    }
    torch::serialize::OutputArchive archive;
    archive.write("key", bytes_of(key));
    archive.write("names", bytes_of(joined));
    archive.write("pixels", pixels);
    save_cache_archive(archive, path);  // an unwritable cache costs time at the next query, nothing else
}

}  // namespace

NearestIndex::NearestIndex(torch::Tensor pixels, std::vector<std::string> names)
    : m_pixels(std::move(pixels)), m_names(std::move(names)) {
    TORCH_CHECK(m_pixels.dim() == 4 && m_pixels.size(1) == 3 && m_pixels.size(2) == m_pixels.size(3) &&
                    m_pixels.scalar_type() == torch::kUInt8,
                "NearestIndex: expected N x 3 x S x S uint8, got ", m_pixels.sizes());
    TORCH_CHECK(int64_t(m_names.size()) == m_pixels.size(0), "NearestIndex: ", m_names.size(), " names for ",
                m_pixels.size(0), " images");
    m_pixels = m_pixels.cpu().contiguous();
    m_block = block_side(m_pixels.size(2));
    std::vector<torch::Tensor> parts;  // in chunks: the set as floats would be 4x its bytes
    const int64_t chunk = std::max<int64_t>(1, kChunkBytes / (4 * m_pixels[0].numel()));
    for (int64_t b = 0; b < m_pixels.size(0); b += chunk) parts.push_back(coarse(m_pixels.slice(0, b, b + chunk)));
    m_coarse = torch::cat(parts);
    m_coarse_sq = m_coarse.pow(2).sum(1);
    m_max_coarse_sq = m_coarse_sq.numel() ? m_coarse_sq.max().item<double>() : 0;
}

int64_t NearestIndex::bytes_for(int64_t count, int image_size) {
    const int64_t values = 3 * int64_t(image_size) * image_size;
    const int64_t block = block_side(image_size);
    return count * (values + 4 * values / (block * block));
}

NearestIndex NearestIndex::build(const ImageSource& source, int image_size, Rgb background,
                                 const std::string& cache_folder, const std::atomic<bool>* cancel) {
    if (source.size() == 0) throw DataError(source.description() + ": no images to search");
    const std::string folder = cache_folder.empty() ? cache_dir() + "/nearest" : cache_folder;
    std::string key = "nearest-2|" + source.description() + "|" + std::to_string(source.size()) + "|size " +
                      std::to_string(image_size) + "|bg " + std::to_string(background.r) + "," +
                      std::to_string(background.g) + "," + std::to_string(background.b);
    for (size_t i = 0; i < source.size(); ++i) key += "|" + file_identity(source.name(i));
    const std::string path = folder + "/index-" + hex_hash(key) + ".pt";
    torch::Tensor pixels;
    std::vector<std::string> names;
    const bool cached = load_index(path, key, pixels, names);
    if (!cached) {
        // Each file once, in order, into one tensor; one that does not decode is left out (read_real_images would
        // repeat a neighbour).
        const ExampleTransform transform = center_crop_transform(image_size);
        std::mt19937 rng(1);
        pixels = torch::empty({int64_t(source.size()), 3, image_size, image_size}, torch::kUInt8);
        int64_t filled = 0;
        for (size_t i = 0; i < source.size(); ++i) {
            if (cancel && cancel->load())
                throw std::runtime_error("nearest: reading the training images was cancelled");
            try {
                const torch::Tensor image = transform(source.load(i), rng).target;
                pixels[filled].copy_(image.add(1.0f).mul_(127.5f).round_().clamp_(0, 255));
                names.push_back(source.name(i));
                ++filled;
            } catch (const std::exception&) {
                continue;
            }
        }
        if (names.empty()) throw DataError(source.description() + ": none of its images could be read");
        pixels = pixels.slice(0, 0, filled);
        save_index(path, key, pixels, names);
    }
    NearestIndex index(pixels, std::move(names));
    index.m_from_cache = cached;
    index.m_cache_path = path;
    return index;
}

torch::Tensor NearestIndex::image(int64_t i) const { return m_pixels[i].to(torch::kFloat).div(127.5f).sub(1.0f); }

torch::Tensor NearestIndex::quantise(const torch::Tensor& images) const {
    TORCH_CHECK(images.dim() == 4 && images.size(1) == 3, "nearest: expected N x 3 x H x W images, got ",
                images.sizes());
    torch::Tensor x = images.detach().to(torch::kCPU, torch::kFloat32);
    const int64_t side = m_pixels.size(2);
    if (x.size(2) != side || x.size(3) != side)
        x = torch::nn::functional::interpolate(
            x,
            torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{side, side}).mode(torch::kArea));
    return x.add(1.0f).mul_(127.5f).round_().clamp_(0, 255).to(torch::kUInt8).contiguous();
}

torch::Tensor NearestIndex::coarse(const torch::Tensor& pixels) const {
    torch::Tensor x = pixels.to(torch::kFloat32);
    if (m_block > 1) x = torch::avg_pool2d(x, m_block);
    return x.sub_(127.5f).flatten(1).contiguous();
}

std::vector<std::vector<NearestMatch>> NearestIndex::query(const torch::Tensor& images, int k,
                                                           const std::vector<int64_t>& exclude,
                                                           int64_t* full_comparisons) const {
    torch::NoGradGuard no_grad;
    const torch::Tensor q = quantise(images);
    const int64_t n = q.size(0), count = size();
    TORCH_CHECK(exclude.empty() || int64_t(exclude.size()) == n, "nearest: ", exclude.size(), " exclusions for ", n,
                " queries");
    k = int(std::min<int64_t>(std::max(k, 1), count));
    const double values = double(m_pixels[0].numel());
    const double coarse_values = double(m_coarse.size(1));
    // The bound is computed as ||q||^2 + ||r||^2 - 2 q.r in float32, whose rounding grows with the magnitudes
    // (about 2^-24 of each term per addition over the block averages): a margin above that worst case keeps it a
    // lower bound, so the search stays exact; it costs a few more full comparisons.
    const double rounding = 2 * coarse_values * std::ldexp(1.0, -24);
    const int64_t stride = m_pixels[0].numel();
    const uint8_t* reals = m_pixels.data_ptr<uint8_t>();
    const uint8_t* queries = q.data_ptr<uint8_t>();
    const torch::Tensor q_coarse = coarse(q);
    int64_t comparisons = 0;
    std::vector<std::vector<NearestMatch>> out(static_cast<size_t>(n), std::vector<NearestMatch>());
    for (int64_t c0 = 0; c0 < n; c0 += kQueryChunk) {
        const int64_t c1 = std::min(n, c0 + kQueryChunk);
        // Coarse mean squared distances of each query in the chunk to every image: ||q||^2 + ||r||^2 - 2 q.r.
        const torch::Tensor qc = q_coarse.slice(0, c0, c1);
        const torch::Tensor qc_sq = qc.pow(2).sum(1);
        const torch::Tensor bound =
            (qc_sq.unsqueeze(1) + m_coarse_sq.unsqueeze(0) - 2 * torch::mm(qc, m_coarse.t())).clamp_min_(0) /
            coarse_values;
        const torch::Tensor order = bound.argsort(int64_t(1), false);
        const auto bound_a = bound.accessor<float, 2>();
        const auto order_a = order.accessor<int64_t, 2>();
        for (int64_t i = c0; i < c1; ++i) {
            const int64_t row = i - c0;
            const int64_t skip = exclude.empty() ? -1 : exclude[size_t(i)];
            const double slack = rounding * (qc_sq[row].item<double>() + m_max_coarse_sq) / coarse_values;
            std::vector<NearestMatch> best;  // sorted by distance, at most k; distance holds the mean square here
            const uint8_t* qi = queries + i * stride;
            for (int64_t r = 0; r < count; ++r) {
                const int64_t j = order_a[row][r];
                if (j == skip) continue;
                if (int64_t(best.size()) == k && double(bound_a[row][j]) > best.back().distance + slack) break;
                // Exact: integer differences squared, summed in 64 bits.
                const uint8_t* rj = reals + j * stride;
                int64_t ssd = 0;
                for (int64_t v = 0; v < stride; ++v) {
                    const int32_t d = int32_t(qi[v]) - int32_t(rj[v]);
                    ssd += d * d;
                }
                ++comparisons;
                const double mean_sq = double(ssd) / values;
                if (int64_t(best.size()) == k && mean_sq >= best.back().distance) continue;
                NearestMatch match{j, mean_sq};
                best.insert(std::upper_bound(
                                best.begin(), best.end(), match,
                                [](const NearestMatch& a, const NearestMatch& b) { return a.distance < b.distance; }),
                            match);
                if (int64_t(best.size()) > k) best.pop_back();
            }
            for (NearestMatch& m : best) m.distance = std::sqrt(m.distance);
            out[size_t(i)] = std::move(best);
        }
    }
    if (full_comparisons) *full_comparisons = comparisons;
    return out;
}

double NearestIndex::typical_distance(int64_t samples) const {
    if (size() < 2) return std::nan("");
    const std::vector<size_t> spread = spread_indices(size_t(size()), std::min(samples, size()));
    std::vector<int64_t> exclude(spread.begin(), spread.end());
    const torch::Tensor chosen = torch::tensor(exclude, torch::kLong);
    const torch::Tensor images = m_pixels.index_select(0, chosen).to(torch::kFloat).div_(127.5f).sub_(1.0f);
    const auto matches = query(images, 1, exclude);
    std::vector<double> distances;
    for (const auto& m : matches)
        if (!m.empty()) distances.push_back(m.front().distance);
    if (distances.empty()) return std::nan("");
    const size_t mid = distances.size() / 2;
    std::nth_element(distances.begin(), distances.begin() + long(mid), distances.end());
    double median = distances[mid];
    if (distances.size() % 2 == 0) {
        const double below = *std::max_element(distances.begin(), distances.begin() + long(mid));
        median = 0.5 * (median + below);
    }
    return median;
}

double copying_score(const std::vector<double>& nearest_distances, double typical) {
    if (nearest_distances.empty() || !std::isfinite(typical)) return std::nan("");
    const auto closer =
        std::count_if(nearest_distances.begin(), nearest_distances.end(), [&](double d) { return d < typical; });
    return double(closer) / double(nearest_distances.size());
}

}  // namespace ganscope
