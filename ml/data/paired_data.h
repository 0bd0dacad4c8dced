// Paired data for pix2pix: A|B side-by-side folders, A/ + B/ folders paired by file name, and automatic pairs
// made from any image folder; the jitter transform and the fixed validation items. Sources are read by the
// loader's workers (thread-safe); the rest is called on the trainer thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/data/dataset.h"
#include "ml/data/pairs.h"

namespace ganscope {

enum class PairLayout { Automatic, Aligned, Folders };
// pairs == "aligned": A|B images; "folders" (or a --data folder holding A/ and B/): paired folders;
// otherwise automatic pairs of kind `pairs`. Throws naming a bad value.
PairLayout pair_layout(const TrainConfig& config);
// The jitter's resize: load_size, or image_size * 286 / 256 when 0.
int pix2pix_load_size(const TrainConfig& config);

// Splits an A|B image into its halves; odd width -> DataError naming `name`.
std::pair<Image, Image> split_aligned(const Image& ab, const std::string& name);
// Side by side, B resized to A's size when they differ.
Image combine_aligned(const Image& a, const Image& b);

// DIR/A and DIR/B (or any two folders) paired by file name without extension; each item is the A|B image.
// Throws DataError listing the names present on one side only.
class PairedFolderSource : public ImageSource {
public:
    PairedFolderSource(const std::string& a_dir, const std::string& b_dir, Rgb background);
    size_t size() const override { return m_pairs.size(); }
    Image load(size_t index) const override;
    std::string name(size_t index) const override { return m_pairs[index].first; }
    std::string description() const override;
    const std::vector<std::pair<std::string, std::string>>& pairs() const { return m_pairs; }
    // Unreadable files of either side; their partners are left out of the pairs (not reported as unpaired).
    std::vector<std::pair<std::string, std::string>> skipped() const override { return m_skipped; }

private:
    std::string m_a_dir, m_b_dir;
    Rgb m_background;
    std::vector<std::pair<std::string, std::string>> m_pairs;    // A file, B file
    std::vector<std::pair<std::string, std::string>> m_skipped;  // file, reason
};

// A view of some items of another source (training items without the held-out validation ones).
class SubsetSource : public ImageSource {
public:
    SubsetSource(std::shared_ptr<ImageSource> base, std::vector<size_t> indices, std::string note);
    size_t size() const override { return m_indices.size(); }
    Image load(size_t index) const override { return m_base->load(m_indices[index]); }
    std::string name(size_t index) const override { return m_base->name(m_indices[index]); }
    std::string description() const override { return m_base->description() + m_note; }
    std::vector<std::pair<std::string, std::string>> skipped() const override { return m_base->skipped(); }

private:
    std::shared_ptr<ImageSource> m_base;
    std::vector<size_t> m_indices;
    std::string m_note;
};

// Every item of the config's data (before any validation hold-out).
std::shared_ptr<ImageSource> open_pix2pix_source(const TrainConfig& config);
// How many validation items the sample grid shows (3 or 12, so the grid's rows hold whole triplets).
int pix2pix_validation_count(const TrainConfig& config);
// The indices held out for validation: evenly spread; none held out when the data is small (< 50 items).
std::vector<size_t> validation_indices(size_t source_size, int count, bool* held_out = nullptr);
// The training source: all items except the held-out validation ones.
std::shared_ptr<ImageSource> make_pix2pix_source(const TrainConfig& config);

// One item -> (input, target) tensors: the pair, direction applied, jittered when `train`
// (resize to load_size, random crop, random horizontal flip, the same for both sides).
// With loss palette_ce the target is posterized to the palette.
ExampleTransform pix2pix_transform(const TrainConfig& config, bool train);
// The domain images before tensors: (input, target) at image_size, no jitter. For tools and the panel.
std::pair<Image, Image> pix2pix_pair_images(const TrainConfig& config, const Image& item, const std::string& name);

// Fixed validation inputs and targets (N x 3 x S x S, CPU) for the sample grid.
std::pair<torch::Tensor, torch::Tensor> pix2pix_validation(const TrainConfig& config);

}  // namespace ganscope
