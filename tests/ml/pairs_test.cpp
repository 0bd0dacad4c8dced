// Pair generators on known inputs: edges of a square, XDoG lines, ASCII art of black and white, posterize.
#include <doctest/doctest.h>

#include <algorithm>

#include "ml/data/pairs.h"
#include "ml/data/palette.h"

using namespace ganscope;

namespace {

// A black filled square on white.
Image square_image(int size, int x0, int x1) {
    Image im(size, size, 3, 255);
    for (int y = x0; y < x1; ++y)
        for (int x = x0; x < x1; ++x) {
            uint8_t* p = im.at(x, y);
            p[0] = p[1] = p[2] = 0;
        }
    return im;
}

bool dark(const Image& im, int x, int y) { return im.at(x, y)[0] < 128; }

// Whether a dark pixel lies within `r` pixels of (x, y).
bool dark_near(const Image& im, int x, int y, int r) {
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
            const int nx = x + dx, ny = y + dy;
            if (nx >= 0 && ny >= 0 && nx < im.width && ny < im.height && dark(im, nx, ny)) return true;
        }
    return false;
}

}  // namespace

TEST_CASE("edges of a filled square lie on its border and nowhere else") {
    const Image im = square_image(64, 16, 48);
    const Image e = edges_pair(im);
    REQUIRE(e.width == 64);
    REQUIRE(e.channels == 3);
    int on_border = 0, elsewhere = 0;
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            if (!dark(e, x, y)) continue;
            const int d = std::min({std::abs(x - 16), std::abs(x - 47), std::abs(y - 16), std::abs(y - 47)});
            const bool inside_band = x >= 14 && x <= 49 && y >= 14 && y <= 49;
            if (d <= 1 && inside_band) ++on_border;
            else ++elsewhere;
        }
    CHECK(elsewhere == 0);
    // Every side of the square is traced: each border position has an edge pixel next to it.
    for (int t = 18; t < 46; t += 3) {
        CHECK(dark_near(e, t, 16, 1));
        CHECK(dark_near(e, t, 47, 1));
        CHECK(dark_near(e, 16, t, 1));
        CHECK(dark_near(e, 47, t, 1));
    }
    CHECK(on_border >= 4 * 28);
    // The centre of the square and the far background are blank.
    CHECK(!dark(e, 32, 32));
    CHECK(!dark(e, 2, 2));
}

TEST_CASE("canny ignores a flat image and the bilateral filter keeps a step sharp") {
    Image flat(32, 32, 1, 100);
    const Image edges = canny(flat, 10, 30);
    CHECK(std::all_of(edges.pixels.begin(), edges.pixels.end(), [](uint8_t v) { return v == 0; }));
    Image step(32, 32, 1, 0);
    for (int y = 0; y < 32; ++y)
        for (int x = 16; x < 32; ++x) step.pixels[size_t(y) * 32 + x] = 200;
    const Image f = bilateral_filter(step, 5, 30, 120);
    // The range weight keeps the two sides from mixing: the step stays a step.
    CHECK(f.pixels[16 * 32 + 15] < 10);
    CHECK(f.pixels[16 * 32 + 16] > 190);
}

TEST_CASE("XDoG sketch draws the outline of a square and leaves white white") {
    const Image im = square_image(64, 16, 48);
    const Image s = sketch_pair(im);
    REQUIRE(s.width == 64);
    CHECK(!dark(s, 2, 2));     // white background stays white
    CHECK(!dark(s, 60, 40));
    CHECK(dark_near(s, 32, 16, 1));  // the border is drawn
    CHECK(dark_near(s, 16, 32, 1));
}

TEST_CASE("ASCII art of black and white gives blanks and dense glyphs") {
    Image im(128, 64, 3, 255);
    for (int y = 0; y < 64; ++y)
        for (int x = 64; x < 128; ++x) {
            uint8_t* p = im.at(x, y);
            p[0] = p[1] = p[2] = 0;
        }
    AsciiOptions o;
    o.cell_width = 8;
    const AsciiArt art = ascii_art(im, o);
    REQUIRE(!art.lines.empty());
    const std::string& line = art.lines[art.lines.size() / 2];
    REQUIRE(line.size() == 16);
    // Left half white: spaces. Right half black: the densest glyphs, the same everywhere.
    for (int c = 0; c < 8; ++c) CHECK(line[c] == ' ');
    const char dense = line[12];
    CHECK(std::string("@#M%W&B8$QN").find(dense) != std::string::npos);
    for (int c = 9; c < 16; ++c) CHECK(line[c] == dense);
    // The rendered image: white where the blanks are, plenty of ink where the dense glyphs are.
    int ink_left = 0, ink_right = 0;
    for (int y = 0; y < art.image.height; ++y)
        for (int x = 0; x < 128; ++x) (x < 64 ? ink_left : ink_right) += dark(art.image, x, y);
    CHECK(ink_left == 0);
    CHECK(ink_right > 64 * 64 / 5);
    CHECK(art.text().size() == art.lines.size() * 17);
}

TEST_CASE("ASCII art reports a missing font by name") {
    AsciiOptions o;
    o.font_path = "/nonexistent/font.ttf";
    CHECK_THROWS_WITH_AS(ascii_art(Image(64, 64, 3, 255), o), doctest::Contains("/nonexistent/font.ttf"), std::runtime_error);
}

TEST_CASE("posterize snaps to the palette and indices round-trip") {
    Image im(4, 1, 3);
    const uint8_t values[4][3] = {{0, 0, 0}, {255, 255, 255}, {90, 10, 200}, {40, 130, 170}};
    for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) im.at(x, 0)[c] = values[x][c];
    const Image p = posterize(im, 4);  // levels 0, 85, 170, 255
    CHECK(p.at(0, 0)[0] == 0);
    CHECK(p.at(1, 0)[2] == 255);
    CHECK(p.at(2, 0)[0] == 85);
    CHECK(p.at(2, 0)[1] == 0);
    CHECK(p.at(2, 0)[2] == 170);
    CHECK(p.at(3, 0)[1] == 170);
    CHECK(palette_size(4) == 64);
    // Decoding one-hot logits of the indices gives back the posterized colours exactly.
    torch::Tensor colours = torch::zeros({1, 3, 1, 4});
    for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) colours[0][c][0][x] = p.at(x, 0)[c] / 127.5f - 1.0f;
    torch::Tensor idx = palette_indices(colours, 4);
    CHECK(idx[0][0][0].item<int64_t>() == 0);
    CHECK(idx[0][0][1].item<int64_t>() == 63);
    torch::Tensor logits = torch::one_hot(idx, 64).permute({0, 3, 1, 2}).to(torch::kFloat);
    CHECK(torch::allclose(palette_decode(logits, 4), colours, 1e-5, 1e-5));
    CHECK_THROWS_AS(palette_size(1), std::invalid_argument);
}
