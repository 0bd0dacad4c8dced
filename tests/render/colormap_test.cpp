// Colour maps: end points, lightness (CIE L*) monotonic for the sequential map and rising to the middle of the
// diverging one, and the grid shader's scalar mapping read back against the CPU's sample().
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "assets/colormaps.h"
#include "render/gl_check.h"
#include "render/gl_context.h"
#include "render/image_passes.h"

using namespace ganscope;

namespace {
// CIE L* of an sRGB colour (D65): independent of the generator script, from the sRGB and CIE definitions.
double lightness(const float* rgb) {
    auto lin = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const double y = 0.2126729 * lin(rgb[0]) + 0.7151522 * lin(rgb[1]) + 0.0721750 * lin(rgb[2]);
    return y > 216.0 / 24389 ? 116 * std::cbrt(y) - 16 : y * 24389.0 / 27;
}
}  // namespace

TEST_CASE("the sequential map runs from dark to light with monotonic lightness") {
    const ColorMap& m = color_map("lumen");
    REQUIRE(m.size == 256);
    CHECK(m.kind == ColorMapKind::Sequential);
    CHECK(lightness(m.rgb[0]) == doctest::Approx(12).epsilon(0.03));
    CHECK(lightness(m.rgb[255]) == doctest::Approx(96).epsilon(0.01));
    double smallest_step = 1e9, largest_step = 0;
    for (int i = 1; i < m.size; ++i) {
        const double step = lightness(m.rgb[i]) - lightness(m.rgb[i - 1]);
        smallest_step = std::min(smallest_step, step);
        largest_step = std::max(largest_step, step);
    }
    CHECK(smallest_step > 0.25);  // 84 L* over 255 steps: 0.33 each, linear
    CHECK(largest_step < 0.42);
    for (const float* c : {m.rgb[0], m.rgb[128], m.rgb[255]})
        for (int k = 0; k < 3; ++k) CHECK((c[k] >= 0 && c[k] <= 1));
}

TEST_CASE("the diverging map ends at Moreland's blue and red and is lightest in the middle") {
    const ColorMap& m = color_map("coolwarm");
    CHECK(m.kind == ColorMapKind::Diverging);
    const float blue[3] = {59 / 255.f, 76 / 255.f, 192 / 255.f}, red[3] = {180 / 255.f, 4 / 255.f, 38 / 255.f};
    for (int k = 0; k < 3; ++k) {
        CHECK(std::abs(m.rgb[0][k] - blue[k]) < 1 / 255.f);
        CHECK(std::abs(m.rgb[255][k] - red[k]) < 1 / 255.f);
    }
    for (int i = 1; i < 128; ++i) CHECK(lightness(m.rgb[i]) > lightness(m.rgb[i - 1]));
    for (int i = 129; i < 256; ++i) CHECK(lightness(m.rgb[i]) < lightness(m.rgb[i - 1]));
    const float* mid = m.rgb[128];
    CHECK(std::abs(mid[0] - mid[2]) < 0.03f);  // a grey: neither side's hue
    CHECK(lightness(mid) > 85);
}

TEST_CASE("colour maps by name, and sample() interpolates between entries") {
    CHECK_THROWS_WITH_AS(color_map("jet"), "no colour map 'jet'; there are: lumen, coolwarm", std::invalid_argument);
    const ColorMap& m = color_map("lumen");
    auto a = sample(m, 0), b = sample(m, 1), c = sample(m, 2), half = sample(m, 1.5f / 255);
    for (int k = 0; k < 3; ++k) {
        CHECK(a[k] == m.rgb[0][k]);
        CHECK(b[k] == m.rgb[255][k]);
        CHECK(c[k] == m.rgb[255][k]);
        CHECK(half[k] == doctest::Approx((m.rgb[1][k] + m.rgb[2][k]) / 2));
    }
}

TEST_CASE("the grid shader colour-maps scalar maps as sample() does, within 1 in 255") {
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = options.height = 16;
    auto context = create_context(options);
    const int count = 2, size = 16;
    std::vector<float> maps(count * size * size);
    std::mt19937 rng(2);
    std::uniform_real_distribution<float> dist(-2.5f, 2.5f);
    for (auto& v : maps) v = dist(rng);
    FloatImages images;
    images.upload(maps.data(), count, 1, size, size);
    for (const char* name : {"lumen", "coolwarm"}) {
        ColorMapTexture lut(color_map(name));
        GridLayout layout{count, 2, size, size, 0};
        GridView view;
        view.width = 2 * size;
        view.height = size;
        view.color_map = lut.id();
        view.low = -2;
        view.high = 2;
        GridPass pass;
        Texture target;
        pass.draw(images, layout, view, target);
        auto back = target.read_rgba8();
        int worst = 0;
        for (int y = 0; y < size; ++y)
            for (int x = 0; x < 2 * size; ++x) {
                const float v = maps[(x / size) * size * size + y * size + x % size];
                auto want = sample(lut.map(), (v - view.low) / (view.high - view.low));
                for (int k = 0; k < 3; ++k)
                    worst = std::max(worst, std::abs(int(back[(y * 2 * size + x) * 4 + k]) - int(std::lround(want[k] * 255))));
            }
        CAPTURE(name);
        CHECK(worst <= 1);
        view.color_map = 0;  // a scalar map without a colour map is gray [-1, 1]: allowed
        CHECK_NOTHROW(pass.draw(images, layout, view, target));
        view.color_map = lut.id();
        view.high = view.low;
        CHECK_THROWS_AS(pass.draw(images, layout, view, target), RenderError);
    }
}
