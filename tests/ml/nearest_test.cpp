// Nearest training images: a training image finds itself at distance 0, the pruned search gives exactly what a
// full comparison with every image gives, the index is cached and rebuilt when its files change, the real set's
// typical distance and the copying score.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "ml/data/dataset.h"
#include "ml/data/tensor_image.h"
#include "ml/metrics/nearest.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

// Discs with a little noise, so no two images are alike and distances are not all equal.
std::vector<Image> noisy_discs(int count, int size, uint32_t seed) {
    std::vector<Image> images;
    std::mt19937 rng(seed);
    for (int i = 0; i < count; ++i) {
        Image image = test::synthetic_image(size, uint32_t(seed * 1000 + i));
        for (uint8_t& p : image.pixels) p = uint8_t(std::clamp(int(p) + int(rng() % 21) - 10, 0, 255));
        images.push_back(image);
    }
    return images;
}

torch::Tensor as_batch(const std::vector<Image>& images) {
    std::vector<torch::Tensor> t;
    for (const Image& i : images) t.push_back(image_to_tensor(i));
    return torch::stack(t);
}

// Every distance by brute force, in doubles: N x M RMS differences in 8-bit levels.
torch::Tensor brute_force(const torch::Tensor& queries, const torch::Tensor& reals) {
    auto bytes = [](const torch::Tensor& x) {
        return x.add(1).mul(127.5).round().clamp(0, 255).to(torch::kFloat64).flatten(1);
    };
    const torch::Tensor q = bytes(queries), r = bytes(reals);
    return torch::cdist(q, r, 2.0, /*donot_use_mm_for_euclid_dist*/ 2).div(std::sqrt(double(q.size(1))));
}

}  // namespace

TEST_CASE("nearest: a training image finds itself at distance 0, and the search agrees with a full comparison") {
    const std::vector<Image> reals = noisy_discs(300, 32, 1);
    MemorySource source(reals, "discs");
    const std::string cache = test::scratch_dir("nearest_exact");
    const NearestIndex index = NearestIndex::build(source, 32, Rgb{255, 255, 255}, cache);
    REQUIRE(index.size() == 300);
    CHECK(index.image_size() == 32);
    CHECK(index.name(17) == source.name(17));

    const torch::Tensor real_batch = as_batch(reals);
    const auto self = index.query(real_batch.slice(0, 40, 50), 3);
    for (int i = 0; i < 10; ++i) {
        REQUIRE(self[size_t(i)].size() == 3);
        CHECK(self[size_t(i)][0].index == 40 + i);
        CHECK(self[size_t(i)][0].distance == 0.0);
        CHECK(self[size_t(i)][1].distance > 0.0);
    }

    // New images (not in the set) and a blur of real ones: the same k nearest, the same distances, as comparing
    // with every image.
    torch::Tensor queries =
        torch::cat({as_batch(noisy_discs(20, 32, 7)), torch::avg_pool2d(real_batch.slice(0, 0, 20), 3, 1, 1)});
    int64_t compared = 0;
    const auto found = index.query(queries, 5, {}, &compared);
    const torch::Tensor all = brute_force(queries, real_batch);
    const auto [distances, indices] = all.topk(5, 1, /*largest=*/false);
    for (int64_t i = 0; i < queries.size(0); ++i)
        for (int64_t j = 0; j < 5; ++j) {
            CHECK(found[size_t(i)][size_t(j)].distance ==
                  doctest::Approx(distances[i][j].item<double>()).epsilon(1e-9));
            // Equal distances may come in either order; otherwise the same image.
            if (j + 1 < 5 && distances[i][j + 1].item<double>() > distances[i][j].item<double>() + 1e-9 &&
                (j == 0 || distances[i][j].item<double>() > distances[i][j - 1].item<double>() + 1e-9))
                CHECK(found[size_t(i)][size_t(j)].index == indices[i][j].item<int64_t>());
        }
    // The bound ruled out most of the set: far fewer full comparisons than 40 queries x 300 images.
    CHECK(compared < 40 * 300 / 4);

    // Excluding the image itself gives its nearest other image.
    const auto other = index.query(real_batch.slice(0, 5, 6), 1, {5});
    CHECK(other[0][0].index != 5);
    const torch::Tensor to_others =
        brute_force(real_batch.slice(0, 5, 6), real_batch).index_fill(1, torch::tensor({5}), 1e9);
    CHECK(other[0][0].distance == doctest::Approx(to_others.min().item<double>()).epsilon(1e-9));
}

TEST_CASE("nearest: images of another size are resized; sizes that leave no whole blocks stay exact") {
    const std::vector<Image> reals = noisy_discs(60, 18, 3);  // 18: blocks of 2 (9 x 9)
    MemorySource source(reals, "discs18");
    const NearestIndex index = NearestIndex::build(source, 18, Rgb{255, 255, 255}, test::scratch_dir("nearest_sizes"));
    const torch::Tensor queries = as_batch(noisy_discs(10, 18, 9));
    const auto found = index.query(queries, 2);
    const torch::Tensor all = brute_force(queries, as_batch(reals));
    for (int64_t i = 0; i < 10; ++i)
        CHECK(found[size_t(i)][0].distance == doctest::Approx(all[i].min().item<double>()).epsilon(1e-9));
    // A 36 x 36 image is area-averaged down to 18 x 18 first.
    const torch::Tensor big = torch::nn::functional::interpolate(
        as_batch({reals[4]}),
        torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{36, 36}).mode(torch::kNearest));
    CHECK(index.query(big, 1)[0][0].index == 4);
    CHECK_THROWS(index.query(torch::zeros({2, 1, 18, 18}), 1));
}

TEST_CASE("nearest: the index is cached by its files, and built again when one changes") {
    const std::string data = test::synthetic_folder("nearest_cache_data", 12, 16);
    const std::string cache = test::scratch_dir("nearest_cache");
    FolderSource first(data, Rgb{255, 255, 255});
    const NearestIndex a = NearestIndex::build(first, 16, Rgb{255, 255, 255}, cache);
    CHECK_FALSE(a.from_cache());
    CHECK(std::filesystem::exists(a.cache_path()));
    const NearestIndex b = NearestIndex::build(first, 16, Rgb{255, 255, 255}, cache);
    CHECK(b.from_cache());
    CHECK(b.cache_path() == a.cache_path());
    CHECK(torch::equal(b.image(3), a.image(3)));
    CHECK(b.name(3) == a.name(3));
    // Another crop size is another index.
    CHECK_FALSE(NearestIndex::build(first, 8, Rgb{255, 255, 255}, cache).from_cache());
    // So is another background (transparent images are composited on it).
    CHECK_FALSE(NearestIndex::build(first, 16, Rgb{0, 0, 0}, cache).from_cache());
    CHECK(NearestIndex::build(first, 16, Rgb{255, 255, 255}, cache).from_cache());
    // A file rewritten (another size on disk) is another key.
    write_png(first.name(0), test::synthetic_image(20, 99));
    FolderSource second(data, Rgb{255, 255, 255});
    const NearestIndex c = NearestIndex::build(second, 16, Rgb{255, 255, 255}, cache);
    CHECK_FALSE(c.from_cache());
    // A damaged cache file is built again, not trusted.
    { std::ofstream(c.cache_path(), std::ios::binary | std::ios::trunc) << "not an archive"; }
    CHECK_FALSE(NearestIndex::build(second, 16, Rgb{255, 255, 255}, cache).from_cache());
}

TEST_CASE("nearest: the real set's typical distance and the copying score") {
    const std::vector<Image> reals = noisy_discs(80, 16, 5);
    MemorySource source(reals, "discs16");
    const NearestIndex index =
        NearestIndex::build(source, 16, Rgb{255, 255, 255}, test::scratch_dir("nearest_typical"));
    const torch::Tensor batch = as_batch(reals);
    // By brute force: each image's nearest other image, then the median of the 80.
    const torch::Tensor all = brute_force(batch, batch) + torch::eye(80, torch::kFloat64) * 1e9;
    std::vector<double> nearest;
    for (int64_t i = 0; i < 80; ++i) nearest.push_back(all[i].min().item<double>());
    std::sort(nearest.begin(), nearest.end());
    const double median = 0.5 * (nearest[39] + nearest[40]);
    CHECK(index.typical_distance() == doctest::Approx(median).epsilon(1e-9));

    // Copies of training images all sit closer than that; images of nothing in the set, none.
    std::vector<double> copies, strangers;
    for (const auto& m : index.query(batch.slice(0, 0, 10), 1)) copies.push_back(m[0].distance);
    for (const auto& m : index.query(torch::rand({10, 3, 16, 16}) * 2 - 1, 1)) strangers.push_back(m[0].distance);
    CHECK(copying_score(copies, index.typical_distance()) == 1.0);
    CHECK(copying_score(strangers, index.typical_distance()) == 0.0);
    CHECK(std::isnan(copying_score({}, 1.0)));
    CHECK(std::isnan(copying_score({1.0}, std::nan(""))));
    CHECK(copying_score({1.0, 3.0}, 2.0) == 0.5);
}

TEST_CASE("nearest: a data set with no readable image is one error naming it") {
    MemorySource empty({}, "nothing");
    CHECK_THROWS_WITH_AS(NearestIndex::build(empty, 16, Rgb{255, 255, 255}, test::scratch_dir("nearest_empty")),
                         doctest::Contains("nothing"), DataError);
    // Files that the scan took for images but that do not decode: the set has none to search.
    class Unreadable : public ImageSource {
    public:
        size_t size() const override { return 3; }
        Image load(size_t index) const override { throw ImageError("bad" + std::to_string(index) + ".png: truncated"); }
        std::string name(size_t index) const override { return "bad" + std::to_string(index) + ".png"; }
        std::string description() const override { return "three broken files"; }
    };
    CHECK_THROWS_WITH_AS(NearestIndex::build(Unreadable(), 16, Rgb{255, 255, 255}, test::scratch_dir("nearest_bad")),
                         doctest::Contains("three broken files: none of its images could be read"), DataError);
}

TEST_CASE("nearest: exact on saturated near-duplicates, where float rounding of the bound is largest") {
    // Pure black and white pixels (the largest values the bound's matrix product sees), in pairs that differ in one
    // pixel: each image's nearest other is its twin, one pixel away.
    torch::manual_seed(11);
    const torch::Tensor base = (torch::rand({40, 3, 64, 64}) > 0.5).to(torch::kUInt8) * 255;
    torch::Tensor twins = base.clone();
    for (int64_t i = 0; i < 40; ++i) twins[i][i % 3][i][(7 * i) % 64] = 255 - twins[i][i % 3][i][(7 * i) % 64];
    const torch::Tensor pixels = torch::cat({base, twins});
    std::vector<std::string> names;
    for (int i = 0; i < 80; ++i) names.push_back("image " + std::to_string(i));
    const NearestIndex index(pixels, names);
    const torch::Tensor images = pixels.to(torch::kFloat).div(127.5).sub(1);
    std::vector<int64_t> self(80);
    for (int64_t i = 0; i < 80; ++i) self[size_t(i)] = i;
    const auto found = index.query(images, 2, self);
    const double one_pixel = std::sqrt(255.0 * 255.0 / (3 * 64 * 64));
    for (int64_t i = 0; i < 80; ++i) {
        CHECK(found[size_t(i)][0].index == (i + 40) % 80);
        CHECK(found[size_t(i)][0].distance == doctest::Approx(one_pixel).epsilon(1e-12));
    }
    // Themselves at exactly 0.
    const auto same = index.query(images, 1);
    for (int64_t i = 0; i < 80; ++i) CHECK(same[size_t(i)][0].distance == 0.0);
}

TEST_CASE("nearest: a prime image size (one block, the weakest bound) is still exact") {
    const std::vector<Image> reals = noisy_discs(50, 17, 13);
    MemorySource source(reals, "discs17");
    const NearestIndex index = NearestIndex::build(source, 17, Rgb{255, 255, 255}, test::scratch_dir("nearest_17"));
    const torch::Tensor queries = as_batch(noisy_discs(8, 17, 21));
    const auto found = index.query(queries, 3);
    const torch::Tensor all = brute_force(queries, as_batch(reals));
    const auto [distances, indices] = all.topk(3, 1, /*largest=*/false);
    for (int64_t i = 0; i < 8; ++i)
        for (int64_t j = 0; j < 3; ++j)
            CHECK(found[size_t(i)][size_t(j)].distance ==
                  doctest::Approx(distances[i][j].item<double>()).epsilon(1e-9));
}
