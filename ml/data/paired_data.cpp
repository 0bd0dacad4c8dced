// Paired data for pix2pix: layouts, paired folders, validation hold-out and the jitter transform.
#include "ml/data/paired_data.h"

#include <stb_image.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "ml/data/palette.h"
#include "ml/data/tensor_image.h"

namespace ganscope {
namespace fs = std::filesystem;

namespace {

bool has_ab_folders(const std::string& data) {
    std::error_code ec;
    return data != "emoji" && fs::is_directory(fs::path(data) / "A", ec) && fs::is_directory(fs::path(data) / "B", ec);
}

std::string list_some(const std::vector<std::string>& names, size_t max = 8) {
    std::string s;
    for (size_t i = 0; i < names.size() && i < max; ++i) s += (i ? ", " : "") + names[i];
    if (names.size() > max) s += ", ... (" + std::to_string(names.size() - max) + " more)";
    return s;
}

std::string stem_of(const std::string& file, const std::string& dir) {
    const fs::path rel = fs::relative(file, dir);
    return (rel.parent_path() / rel.stem()).string();
}

// File names by stem (relative path without extension), for pairing A/ with B/; the scan's refusals go to
// `skipped`, and their stems to `unreadable`.
std::map<std::string, std::string> by_stem(const std::string& dir, Rgb background,
                                           std::vector<std::pair<std::string, std::string>>& skipped,
                                           std::set<std::string>& unreadable) {
    FolderSource source(dir, background);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < source.size(); ++i) out[stem_of(source.name(i), dir)] = source.name(i);
    for (const auto& [file, why] : source.skipped()) {
        skipped.emplace_back(file, why);
        unreadable.insert(stem_of(file, dir));
    }
    return out;
}

}  // namespace

PairLayout pair_layout(const TrainConfig& config) {
    if (config.pairs == "aligned") return PairLayout::Aligned;
    if (config.pairs == "folders") {
        if (!has_ab_folders(config.data))
            throw DataError(config.data + ": --pairs folders needs the subfolders A/ and B/ (images paired by file name)");
        return PairLayout::Folders;
    }
    parse_pair_kind(config.pairs);  // throws for an unknown kind
    // A folder laid out as A/ + B/ is paired data whatever the automatic kind says.
    if (has_ab_folders(config.data)) return PairLayout::Folders;
    return PairLayout::Automatic;
}

int pix2pix_load_size(const TrainConfig& config) {
    if (config.load_size > 0) {
        if (config.load_size < config.image_size)
            throw std::invalid_argument("load_size " + std::to_string(config.load_size) + " is smaller than the image size " +
                                        std::to_string(config.image_size) + "; use at least the image size");
        return config.load_size;
    }
    return config.image_size * 286 / 256;
}

std::pair<Image, Image> split_aligned(const Image& ab, const std::string& name) {
    if (ab.width % 2)
        throw DataError(name + ": an A|B image must have an even width (A and B side by side), but it is " +
                        std::to_string(ab.width) + " pixels wide; fix the file or use --pairs folders");
    const int half = ab.width / 2;
    return {crop(ab, 0, 0, half, ab.height), crop(ab, half, 0, half, ab.height)};
}

Image combine_aligned(const Image& a_in, const Image& b_in) {
    const Image a = a_in.channels == 3 ? a_in : to_rgb(a_in);
    Image b = b_in.channels == 3 ? b_in : to_rgb(b_in);
    if (b.width != a.width || b.height != a.height) b = resize(b, a.width, a.height);
    Image out(a.width * 2, a.height, 3);
    paste(out, a, 0, 0);
    paste(out, b, a.width, 0);
    return out;
}

PairedFolderSource::PairedFolderSource(const std::string& a_dir, const std::string& b_dir, Rgb background)
    : m_a_dir(a_dir), m_b_dir(b_dir), m_background(background) {
    std::set<std::string> unreadable;  // stems with an unreadable file on either side: the pair is skipped
    const auto a = by_stem(a_dir, background, m_skipped, unreadable);
    const auto b = by_stem(b_dir, background, m_skipped, unreadable);
    std::vector<std::string> only_a, only_b;
    for (const auto& [stem, file] : a) {
        auto it = b.find(stem);
        if (it != b.end())
            m_pairs.emplace_back(file, it->second);
        else if (unreadable.count(stem))
            m_skipped.emplace_back(file, "its partner in " + b_dir + " is unreadable");
        else
            only_a.push_back(stem);
    }
    for (const auto& [stem, file] : b)
        if (!a.count(stem)) {
            if (unreadable.count(stem))
                m_skipped.emplace_back(file, "its partner in " + a_dir + " is unreadable");
            else
                only_b.push_back(stem);
        }
    if (!only_a.empty() || !only_b.empty()) {
        std::string msg = a_dir + " and " + b_dir + " must hold the same file names (extensions may differ):";
        if (!only_a.empty()) msg += " only in A: " + list_some(only_a) + ";";
        if (!only_b.empty()) msg += " only in B: " + list_some(only_b) + ";";
        throw DataError(msg + " add or remove files so every image has its partner");
    }
}

Image PairedFolderSource::load(size_t index) const {
    return combine_aligned(load_image(m_pairs[index].first, m_background), load_image(m_pairs[index].second, m_background));
}

std::string PairedFolderSource::description() const {
    std::string d = m_a_dir + " + " + m_b_dir + " (" + std::to_string(m_pairs.size()) + " pairs";
    if (!m_skipped.empty()) d += ", " + std::to_string(m_skipped.size()) + " unreadable or unpartnered files skipped";
    return d + ")";
}

SubsetSource::SubsetSource(std::shared_ptr<ImageSource> base, std::vector<size_t> indices, std::string note)
    : m_base(std::move(base)), m_indices(std::move(indices)), m_note(std::move(note)) {}

std::shared_ptr<ImageSource> open_pix2pix_source(const TrainConfig& config) {
    switch (pair_layout(config)) {
        case PairLayout::Folders:
            return std::make_shared<PairedFolderSource>((fs::path(config.data) / "A").string(),
                                                        (fs::path(config.data) / "B").string(), config.background);
        case PairLayout::Aligned: {
            auto folder = std::make_shared<FolderSource>(config.data, config.background);
            // Headers only: an odd-width file is reported now, by name, rather than mid-training.
            std::vector<std::string> odd;
            for (size_t i = 0; i < folder->size(); ++i) {
                int w = 0, h = 0, c = 0;
                if (stbi_info(folder->name(i).c_str(), &w, &h, &c) && w % 2) odd.push_back(folder->name(i) + " (" + std::to_string(w) + " wide)");
            }
            if (!odd.empty())
                throw DataError("A|B images must have an even width (A and B side by side): " + list_some(odd) +
                                "; fix or remove them");
            return folder;
        }
        case PairLayout::Automatic:
            // The emoji set is rasterised at the jitter's size, so no detail is lost to a later resize.
            return open_source(config.data, config.background, pix2pix_load_size(config));
    }
    return nullptr;
}

int pix2pix_validation_count(const TrainConfig& config) { return config.grid_count >= 36 ? 12 : 3; }

std::vector<size_t> validation_indices(size_t n, int count, bool* held_out) {
    std::vector<size_t> out;
    const bool hold = n >= 50;
    if (held_out) *held_out = hold;
    const size_t k = std::min(n, size_t(count));
    for (size_t i = 0; i < k; ++i) out.push_back(hold ? (2 * i + 1) * n / (2 * k) : i);
    return out;
}

std::shared_ptr<ImageSource> make_pix2pix_source(const TrainConfig& config) {
    auto all = open_pix2pix_source(config);
    bool held_out = false;
    const auto val = validation_indices(all->size(), pix2pix_validation_count(config), &held_out);
    if (!held_out) return all;
    std::vector<size_t> train;
    for (size_t i = 0, v = 0; i < all->size(); ++i) {
        if (v < val.size() && val[v] == i) {
            ++v;
            continue;
        }
        train.push_back(i);
    }
    return std::make_shared<SubsetSource>(all, std::move(train),
                                          ", " + std::to_string(val.size()) + " held out for the sample grid");
}

namespace {

// (A, B) at `size` x `size` from one item, as the layout defines them.
std::pair<Image, Image> domain_pair(const TrainConfig& config, PairLayout layout, const Image& item,
                                    const std::string& name, int size) {
    if (layout == PairLayout::Automatic) {
        // Derived side made at the working resolution, so line widths and ASCII cells match what the model sees.
        Image b = resize_short_side_center_crop(item.channels == 3 ? item : to_rgb(item), size);
        Image a = make_pair_image(b, parse_pair_kind(config.pairs), config.palette_values);
        return {std::move(a), std::move(b)};
    }
    auto [a, b] = split_aligned(item, name);
    // As the reference, both halves are resized to a square (aspect ratio not kept).
    return {resize(a, size, size), resize(b, size, size)};
}

std::pair<Image, Image> orient(const TrainConfig& config, std::pair<Image, Image> ab) {
    Image input = std::move(ab.first), target = std::move(ab.second);
    if (config.direction == "BtoA") std::swap(input, target);
    if (config.loss == "palette_ce") target = posterize(target, config.palette_values);
    return {std::move(input), std::move(target)};
}

}  // namespace

std::pair<Image, Image> pix2pix_pair_images(const TrainConfig& config, const Image& item, const std::string& name) {
    return orient(config, domain_pair(config, pair_layout(config), item, name, config.image_size));
}

ExampleTransform pix2pix_transform(const TrainConfig& config, bool train) {
    const PairLayout layout = pair_layout(config);
    const int size = config.image_size, load = pix2pix_load_size(config);
    return [config, layout, size, load, train](const Image& item, std::mt19937& rng) {
        if (!train) {
            auto [input, target] = orient(config, domain_pair(config, layout, item, "an A|B image", size));
            return Example{image_to_tensor(target), image_to_tensor(input)};
        }
        auto [input, target] = orient(config, domain_pair(config, layout, item, "an A|B image", load));
        const int x = int(rng() % uint32_t(load - size + 1)), y = int(rng() % uint32_t(load - size + 1));
        const bool flip = rng() & 1;
        auto jitter = [&](const Image& im) {
            Image c = crop(im, x, y, size, size);
            return flip ? flip_horizontal(c) : c;
        };
        return Example{image_to_tensor(jitter(target)), image_to_tensor(jitter(input))};
    };
}

std::pair<torch::Tensor, torch::Tensor> pix2pix_validation(const TrainConfig& config) {
    auto all = open_pix2pix_source(config);
    const PairLayout layout = pair_layout(config);
    std::vector<torch::Tensor> inputs, targets;
    for (size_t i : validation_indices(all->size(), pix2pix_validation_count(config))) {
        auto [input, target] = orient(config, domain_pair(config, layout, all->load(i), all->name(i), config.image_size));
        inputs.push_back(image_to_tensor(input));
        targets.push_back(image_to_tensor(target));
    }
    return {torch::stack(inputs), torch::stack(targets)};
}

}  // namespace ganscope
