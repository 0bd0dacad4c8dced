// Paired data: A|B folders (odd width named), A/ + B/ folders (mismatches listed), automatic pairs, jitter.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "ml/data/paired_data.h"
#include "ml/models/task_factory.h"
#include "ml/data/tensor_image.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

TEST_CASE("A|B images split in halves; an odd width names the file") {
    Image ab(8, 4, 3, 0);
    for (int y = 0; y < 4; ++y)
        for (int x = 4; x < 8; ++x) ab.at(x, y)[0] = 255;
    auto [a, b] = split_aligned(ab, "x.png");
    CHECK(a.width == 4);
    CHECK(a.at(0, 0)[0] == 0);
    CHECK(b.at(0, 0)[0] == 255);
    CHECK_THROWS_WITH_AS(split_aligned(Image(7, 4, 3), "odd.png"), doctest::Contains("odd.png"), DataError);

    const std::string dir = test::scratch_dir("aligned_odd");
    write_png(dir + "/good.png", Image(8, 4, 3));
    write_png(dir + "/bad.png", Image(9, 4, 3));
    TrainConfig c;
    c.model = "pix2pix";
    c.data = dir;
    c.pairs = "aligned";
    c.image_size = 16;
    CHECK_THROWS_WITH_AS(make_source(c), doctest::Contains("bad.png (9 wide)"), DataError);
}

TEST_CASE("A/ and B/ pair by file name; names on one side only are listed") {
    const std::string dir = test::scratch_dir("ab_folders");
    for (const char* n : {"one", "two", "three"}) {
        write_png(dir + "/A/" + n + ".png", test::synthetic_image(20, 1));
        write_png(dir + "/B/" + n + ".png", test::synthetic_image(24, 2));  // another size: resized to A's
    }
    PairedFolderSource ok(dir + "/A", dir + "/B", {});
    REQUIRE(ok.size() == 3);
    const Image item = ok.load(0);
    CHECK(item.width == 40);
    CHECK(item.height == 20);

    write_png(dir + "/A/only_a.png", test::synthetic_image(20, 3));
    write_png(dir + "/B/only_b.png", test::synthetic_image(20, 3));
    CHECK_THROWS_WITH_AS(PairedFolderSource(dir + "/A", dir + "/B", {}),
                         doctest::Contains("only in A: only_a; only in B: only_b"), DataError);

    // A --data folder with A/ and B/ is taken as paired folders.
    std::filesystem::remove(dir + "/A/only_a.png");
    std::filesystem::remove(dir + "/B/only_b.png");
    TrainConfig c;
    c.model = "pix2pix";
    c.data = dir;
    c.image_size = 16;
    CHECK(pair_layout(c) == PairLayout::Folders);
    CHECK(make_source(c)->size() == 3);
    CHECK(make_source(c)->skipped().empty());

    // An unreadable (here empty) B file: its pair is skipped and both files are counted, not called unpaired.
    write_png(dir + "/A/four.png", test::synthetic_image(20, 4));
    std::ofstream(dir + "/B/four.png").flush();
    const auto source = make_source(c);
    CHECK(source->size() == 3);
    const auto skipped = source->skipped();
    REQUIRE(skipped.size() == 2);
    CHECK(skipped[0].first == dir + "/B/four.png");
    CHECK(skipped[1].first == dir + "/A/four.png");
    CHECK(skipped[1].second.find("partner") != std::string::npos);
    CHECK(source->description().find("2 unreadable or unpartnered files skipped") != std::string::npos);
}

TEST_CASE("jitter crops and flips both sides alike; direction swaps them") {
    // An item whose A and B halves are identical: after jitter input and target must still be identical.
    const std::string dir = test::scratch_dir("jitter");
    for (int i = 0; i < 3; ++i) {
        const Image half = test::synthetic_image(40, uint32_t(i + 5));
        write_png(dir + "/" + std::to_string(i) + ".png", combine_aligned(half, half));
    }
    TrainConfig c;
    c.model = "pix2pix";
    c.data = dir;
    c.pairs = "aligned";
    c.image_size = 32;
    CHECK(pix2pix_load_size(c) == 35);
    auto source = make_source(c);
    auto transform = make_transform(c, true);
    std::mt19937 rng(1);
    bool some_differ = false;
    const Example first = transform(source->load(0), rng);
    for (int k = 0; k < 6; ++k) {
        const Example e = transform(source->load(0), rng);
        CHECK(torch::equal(e.input, e.target));
        some_differ |= !torch::equal(e.input, first.input);
    }
    CHECK(some_differ);  // crops / flips vary
    // Automatic sketch pairs: AtoB gives sketch -> colour, BtoA colour -> sketch.
    TrainConfig s;
    s.model = "pix2pix";
    s.data = dir;
    s.pairs = "sketch";
    s.image_size = 32;
    const Image item = source->load(1);
    auto [in_ab, out_ab] = pix2pix_pair_images(s, item, "item");
    s.direction = "BtoA";
    auto [in_ba, out_ba] = pix2pix_pair_images(s, item, "item");
    CHECK(in_ab.pixels == out_ba.pixels);
    CHECK(out_ab.pixels == in_ba.pixels);
    // A sketch is gray: its channels are equal.
    CHECK(in_ab.at(5, 5)[0] == in_ab.at(5, 5)[1]);
}

TEST_CASE("validation items are held out of training on larger data") {
    bool held = true;
    CHECK(validation_indices(10, 3, &held) == std::vector<size_t>{0, 1, 2});
    CHECK(!held);
    const auto v = validation_indices(120, 12, &held);
    CHECK(held);
    CHECK(v.size() == 12);
    CHECK(v.front() == 5);
    CHECK(v.back() == 115);
}
