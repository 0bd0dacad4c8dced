// Image folders with bad files, the emoji set, and the loader's determinism.
#include <doctest/doctest.h>

#include <fstream>

#include "ml/data/dataset.h"
#include "ml/data/emoji.h"
#include "ml/data/tensor_image.h"
#include "test_util.h"

using namespace ganscope;

namespace {
void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}
std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST_CASE("image round trip through PNG and tensors") {
    const std::string dir = test::scratch_dir("roundtrip");
    const Image image = test::synthetic_image(20, 7);
    write_png(dir + "/x.png", image);
    const Image back = load_image(dir + "/x.png");
    CHECK(back.pixels == image.pixels);
    const Image from_tensor = tensor_to_image(image_to_tensor(image));
    CHECK(from_tensor.pixels == image.pixels);
    auto t = image_to_tensor(image);
    CHECK(t.min().item<float>() >= -1.0f);
    CHECK(t.max().item<float>() <= 1.0f);
}

TEST_CASE("alpha is composited onto the chosen background; short side resized then centre-cropped") {
    Image rgba(4, 2, 4, 0);  // fully transparent
    const Image on_red = composite_alpha(rgba, {255, 0, 0});
    CHECK(on_red.at(1, 1)[0] == 255);
    CHECK(on_red.at(1, 1)[1] == 0);
    Image wide(40, 20, 3, 10);
    const Image sq = resize_short_side_center_crop(wide, 16);
    CHECK(sq.width == 16);
    CHECK(sq.height == 16);
}

TEST_CASE("a folder with corrupt, truncated and non-image files: good images train, bad ones are counted") {
    const std::string dir = test::synthetic_folder("corrupt", 12);
    const std::string good = read_bytes(dir + "/a/img1.png");
    write_bytes(dir + "/a/truncated.png", good.substr(0, good.size() / 2));  // header fine, data cut short
    write_bytes(dir + "/a/fake.png", "this is not an image");
    write_bytes(dir + "/notes.txt", "ignored: not an image extension");
    write_bytes(dir + "/tiny.png", "");
    FolderSource source(dir, {});
    CHECK(source.size() == 13);  // 12 good + the truncated one, which only decoding can expose
    CHECK(source.skipped().size() == 2);
    auto shared = std::make_shared<FolderSource>(source);
    LoaderOptions lo;
    lo.batch_size = 4;
    lo.workers = 2;
    BatchLoader loader(shared, center_crop_transform(16), lo);
    for (int i = 0; i < 8; ++i) {
        auto b = loader.next();
        CHECK(b.target.sizes() == torch::IntArrayRef({4, 3, 16, 16}));
    }
    CHECK(loader.skipped() == 1);
    CHECK(loader.skipped_files()[0].find("truncated.png") != std::string::npos);
}

TEST_CASE("missing, empty and undecodable folders give one clear error naming the folder") {
    const std::string dir = test::scratch_dir("empty");
    CHECK_THROWS_WITH_AS(FolderSource(dir + "/nope", {}), doctest::Contains("no such folder"), DataError);
    CHECK_THROWS_WITH_AS(FolderSource(dir, {}), doctest::Contains("no images found"), DataError);
    write_bytes(dir + "/bad.jpg", "garbage");
    CHECK_THROWS_WITH_AS(FolderSource(dir, {}), doctest::Contains("can be decoded"), DataError);
}

TEST_CASE("the loader is deterministic and ordered whatever the worker count") {
    const std::string dir = test::synthetic_folder("order", 20);
    auto source = std::make_shared<FolderSource>(dir, Rgb{});
    LoaderOptions one, four;
    one.batch_size = four.batch_size = 6;
    one.workers = 1;
    four.workers = 4;
    BatchLoader a(source, center_crop_transform(8), one), b(source, center_crop_transform(8), four);
    CHECK(a.batches_per_epoch() == 3);
    for (int i = 0; i < 7; ++i) {
        auto x = a.next(), y = b.next();
        CHECK(torch::equal(x.target, y.target));
        CHECK(x.position.epoch == y.position.epoch);
    }
    // Starting from a saved position gives the same batch as getting there.
    BatchLoader c(source, center_crop_transform(8), one, a.position());
    CHECK(torch::equal(a.next().target, c.next().target));
}


TEST_CASE("one batch an epoch: workers running epochs ahead still give every epoch its own order") {
    // Each epoch is one batch, so four workers with a deep prefetch work on several epochs at once and the
    // loader's per-epoch order cache turns over constantly (it once could evict the entry being read).
    const std::string dir = test::synthetic_folder("one_batch", 5);
    auto source = std::make_shared<FolderSource>(dir, Rgb{});
    LoaderOptions one, many;
    one.batch_size = many.batch_size = 5;
    one.workers = 1;
    many.workers = 4;
    many.prefetch_batches = 12;
    BatchLoader a(source, center_crop_transform(4), one), b(source, center_crop_transform(4), many);
    REQUIRE(b.batches_per_epoch() == 1);
    int reordered = 0;
    torch::Tensor previous;
    for (int i = 0; i < 400; ++i) {
        auto x = a.next(), y = b.next();
        REQUIRE(torch::equal(x.target, y.target));
        CHECK(y.position.epoch == i);
        if (previous.defined() && !torch::equal(previous, y.target)) ++reordered;
        previous = y.target;
    }
    CHECK(reordered > 300);  // the epochs are shuffled differently, so the equality above is not vacuous
}
TEST_CASE("the emoji set: thousands of colour glyphs, deterministic") {
    auto first = rasterise_emoji(16, {255, 255, 255});
    CHECK(first.size() > 3500);
    CHECK(first.size() < 4500);
    auto second = rasterise_emoji(16, {255, 255, 255});
    REQUIRE(first.size() == second.size());
    bool same = true;
    for (size_t i = 0; i < first.size(); ++i) same = same && first[i].pixels == second[i].pixels;
    CHECK(same);
    // Colourful: some glyph has strongly saturated pixels (not a grayscale font by mistake).
    int saturated = 0;
    for (size_t i = 0; i < first.size(); i += 50)
        for (size_t p = 0; p < first[i].pixels.size(); p += 3) {
            const auto* px = &first[i].pixels[p];
            saturated += std::max({px[0], px[1], px[2]}) - std::min({px[0], px[1], px[2]}) > 100;
        }
    CHECK(saturated > 100);
    setenv("GANSCOPE_CACHE", (test::scratch_dir("emoji-cache")).c_str(), 1);
    auto cached = load_emoji_dataset(16, {255, 255, 255});
    auto again = load_emoji_dataset(16, {255, 255, 255});  // from the cache file
    CHECK(cached.size() == first.size());
    CHECK(again[100].pixels == first[100].pixels);
    unsetenv("GANSCOPE_CACHE");
    CHECK_THROWS_AS(rasterise_emoji(16, {}, "/nonexistent/font.ttf"), DataError);
}
