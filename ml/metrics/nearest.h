// A generated image's nearest training images, and how often a generator's samples sit closer to the training set
// than real images sit to each other (the copying score). The distance is in pixels at the training size: the RMS
// difference of two images in 8-bit levels (0 for the same picture, 255 for black against white), which is what a
// person checks when they ask "is this a copy". docs/nearest.md says why this space and what it costs.
//
// The search is exact and fast: every image is also kept as a 16 x 16 (or coarser) block average, whose RMS distance
// is never larger than the full one's (the mean of a block's differences squared is at most the mean of its squared
// differences). A query ranks the whole set by that cheap bound with one matrix product, then measures full-size
// distances in that order until the bound passes the k-th best found, so most of the set is never compared at
// full size. One thread at a time per index; queries take any device, the index lives on the CPU.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/data/dataset.h"

namespace ganscope {

struct NearestMatch {
    int64_t index = -1;   // into the index (name(index), image(index))
    double distance = 0;  // RMS difference in 8-bit levels
};

class NearestIndex {
public:
    // `pixels`: N x 3 x S x S uint8 (the images as training sees them), `names` one per image.
    NearestIndex(torch::Tensor pixels, std::vector<std::string> names);

    // Every image of `source` centre-cropped to `image_size`, read from the cache in `cache_folder` (empty:
    // cache_dir()/nearest) when its key matches: the set's description, its files' names, sizes and times, the
    // crop size and the background transparent images are composited on. Files that fail to decode are left out.
    // Throws DataError for a set with no readable image, std::runtime_error when `cancel` becomes true.
    static NearestIndex build(const ImageSource& source, int image_size, Rgb background,
                              const std::string& cache_folder = "", const std::atomic<bool>* cancel = nullptr);
    // The bytes the index of `count` images at `image_size` holds (pixels and block averages).
    static int64_t bytes_for(int64_t count, int image_size);

    int64_t size() const { return m_pixels.size(0); }
    int image_size() const { return int(m_pixels.size(2)); }
    const std::string& name(int64_t i) const { return m_names.at(size_t(i)); }
    torch::Tensor image(int64_t i) const;  // 3 x S x S float in [-1, 1]
    bool from_cache() const { return m_from_cache; }
    const std::string& cache_path() const { return m_cache_path; }

    // The k nearest images of each query (N x 3 x H x W in [-1, 1], any device; quantised to 8 bits as a saved
    // PNG would be, resized to the index's size when it differs), nearest first. `exclude[i]`, when given, is an
    // index query i must not match (a real image asking for its nearest other image).
    // `full_comparisons`, when given, receives how many images were compared at full size (the rest were ruled out
    // by the bound): for benchmarks. Any number of threads may query one index at once.
    std::vector<std::vector<NearestMatch>> query(const torch::Tensor& images, int k,
                                                 const std::vector<int64_t>& exclude = {},
                                                 int64_t* full_comparisons = nullptr) const;

    // The real set's own typical nearest-neighbour distance: the median, over up to `samples` images spread over
    // the set, of the distance from each to its nearest other image. NaN for a set of one.
    double typical_distance(int64_t samples = 1000) const;

private:
    torch::Tensor quantise(const torch::Tensor& images) const;  // N x 3 x S x S uint8 on the CPU
    torch::Tensor coarse(const torch::Tensor& pixels) const;    // N x D' float, centred

    torch::Tensor m_pixels;      // N x 3 x S x S uint8
    torch::Tensor m_coarse;      // N x D' float32, block means minus 127.5
    torch::Tensor m_coarse_sq;   // N float32: squared norms of m_coarse
    double m_max_coarse_sq = 0;  // their largest: how far float32 rounding can move the bound
    int m_block = 1;             // block side of the coarse copy
    std::vector<std::string> m_names;
    bool m_from_cache = false;
    std::string m_cache_path;
};

// The share of samples whose nearest real image is closer than `typical` (NearestIndex::typical_distance). Samples
// drawn from the data's own distribution score about one half; a generator that reproduces training images scores
// near 1; one whose samples look like nothing in the set, near 0. NaN without samples or a finite `typical`.
double copying_score(const std::vector<double>& nearest_distances, double typical);

}  // namespace ganscope
