// ASCII art pairs (seed 000): printable glyphs rendered through FreeType, matched to each cell's darkness.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "ml/data/pairs.h"

#include "assets/fonts.h"

namespace ganscope {
namespace {

constexpr int kFirstGlyph = 32, kLastGlyph = 126;
constexpr int kSuper = 4;  // glyphs are rendered 4x larger, then box-filtered: anti-aliased at any cell size

struct GlyphAtlas {
    int cell_w = 0, cell_h = 0;
    std::vector<std::vector<float>> coverage;  // per glyph: cell_w * cell_h ink in [0, 1]
    std::vector<std::array<float, 4>> quads;   // per glyph: mean ink of the 2x2 sub-cells, normalised
};

// Mean of a rectangle of a float plane (half-open bounds).
float rect_mean(const std::vector<float>& plane, int stride, int x0, int y0, int x1, int y1) {
    if (x1 <= x0 || y1 <= y0) return 0;
    double s = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) s += plane[size_t(y) * stride + x];
    return float(s / ((x1 - x0) * (y1 - y0)));
}

std::array<float, 4> quad_means(const std::vector<float>& plane, int stride, int x0, int y0, int w, int h) {
    const int mx = x0 + w / 2, my = y0 + h / 2;
    return {rect_mean(plane, stride, x0, y0, mx, my), rect_mean(plane, stride, mx, y0, x0 + w, my),
            rect_mean(plane, stride, x0, my, mx, y0 + h), rect_mean(plane, stride, mx, my, x0 + w, y0 + h)};
}

std::shared_ptr<const GlyphAtlas> build_atlas(const std::string& font_path, int cell_w) {
    FT_Library library = nullptr;
    if (FT_Init_FreeType(&library)) throw std::runtime_error("FreeType: cannot initialise the library");
    std::unique_ptr<FT_LibraryRec_, void (*)(FT_Library)> lib_guard(library, [](FT_Library l) { FT_Done_FreeType(l); });
    FT_Face face = nullptr;
    if (FT_New_Face(library, font_path.c_str(), 0, &face))
        throw std::runtime_error(font_path + ": cannot load the monospace font for ASCII art; install fonts-dejavu-core "
                                 "or pass another monospace .ttf");
    std::unique_ptr<FT_FaceRec_, void (*)(FT_Face)> face_guard(face, [](FT_Face f) { FT_Done_Face(f); });

    // The cell keeps the font's own proportions: advance width by line height.
    const double units = face->units_per_EM, line = face->ascender - face->descender;
    FT_UInt adv_index = FT_Get_Char_Index(face, 'M');
    FT_Load_Glyph(face, adv_index, FT_LOAD_NO_SCALE);
    const double advance = face->glyph->advance.x > 0 ? double(face->glyph->advance.x) : 0.6 * units;
    auto atlas = std::make_shared<GlyphAtlas>();
    atlas->cell_w = cell_w;
    atlas->cell_h = std::max(2, int(std::lround(cell_w * line / advance)));
    const int big_w = cell_w * kSuper, big_h = atlas->cell_h * kSuper;
    const int pixel_size = std::max(1, int(std::lround(big_h * units / line)));
    FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixel_size));
    const int baseline = int(std::lround(face->ascender * pixel_size / units));

    std::vector<float> big(size_t(big_w) * big_h);
    float max_quad = 0;
    for (int c = kFirstGlyph; c <= kLastGlyph; ++c) {
        std::fill(big.begin(), big.end(), 0.0f);
        if (FT_Load_Char(face, FT_ULong(c), FT_LOAD_RENDER) == 0) {
            const FT_Bitmap& bm = face->glyph->bitmap;
            const int left = face->glyph->bitmap_left, top = baseline - face->glyph->bitmap_top;
            for (unsigned y = 0; y < bm.rows; ++y)
                for (unsigned x = 0; x < bm.width; ++x) {
                    const int bx = left + int(x), by = top + int(y);
                    if (bx < 0 || by < 0 || bx >= big_w || by >= big_h) continue;
                    big[size_t(by) * big_w + bx] = bm.buffer[size_t(y) * bm.pitch + x] / 255.0f;
                }
        }
        std::vector<float> cell(size_t(cell_w) * atlas->cell_h);
        for (int y = 0; y < atlas->cell_h; ++y)
            for (int x = 0; x < cell_w; ++x)
                cell[size_t(y) * cell_w + x] = rect_mean(big, big_w, x * kSuper, y * kSuper, (x + 1) * kSuper, (y + 1) * kSuper);
        const auto q = quad_means(big, big_w, 0, 0, big_w, big_h);
        for (float v : q) max_quad = std::max(max_quad, v);
        atlas->coverage.push_back(std::move(cell));
        atlas->quads.push_back(q);
    }
    // Normalise so the densest glyph stands for black: glyph ink never covers a whole cell.
    if (max_quad > 0)
        for (auto& q : atlas->quads)
            for (float& v : q) v /= max_quad;
    return atlas;
}

std::shared_ptr<const GlyphAtlas> atlas_for(const std::string& font_path, int cell_w) {
    static std::mutex mutex;
    static std::map<std::pair<std::string, int>, std::shared_ptr<const GlyphAtlas>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = cache[{font_path, cell_w}];
    if (!slot) slot = build_atlas(font_path, cell_w);
    return slot;
}

}  // namespace

std::string AsciiArt::text() const {
    std::string s;
    for (const auto& line : lines) s += line + "\n";
    return s;
}

AsciiArt ascii_art(const Image& image, const AsciiOptions& options) {
    const Image gray = image.channels == 1 ? image : to_gray(image);
    const int w = gray.width, h = gray.height;
    const int cell_w = options.cell_width > 0 ? options.cell_width : std::max(4, w / 32);
    const auto atlas = atlas_for(options.font_path.empty() ? find_font(FontRole::Monospace) : options.font_path, cell_w);
    const int cell_h = atlas->cell_h;
    const int cols = w / cell_w, rows = h / cell_h;
    if (cols < 1 || rows < 1)
        throw std::invalid_argument("ascii_art: a " + std::to_string(w) + "x" + std::to_string(h) +
                                    " image is smaller than one " + std::to_string(cell_w) + "x" +
                                    std::to_string(cell_h) + " character cell; use a larger image or smaller cells");
    std::vector<float> dark(gray.pixels.size());
    for (size_t i = 0; i < dark.size(); ++i) dark[i] = 1.0f - gray.pixels[i] / 255.0f;
    // The grid is centred; the margins left by a size that is not a multiple of the cell stay white.
    const int ox = (w - cols * cell_w) / 2, oy = (h - rows * cell_h) / 2;
    AsciiArt art;
    art.image = Image(w, h, 3, 255);
    for (int r = 0; r < rows; ++r) {
        std::string line;
        for (int c = 0; c < cols; ++c) {
            const int x0 = ox + c * cell_w, y0 = oy + r * cell_h;
            const auto want = quad_means(dark, w, x0, y0, cell_w, cell_h);
            size_t best = 0;
            float best_err = 1e30f;
            for (size_t g = 0; g < atlas->quads.size(); ++g) {
                float err = 0;
                for (int k = 0; k < 4; ++k) err += (want[k] - atlas->quads[g][k]) * (want[k] - atlas->quads[g][k]);
                if (err < best_err) best_err = err, best = g;  // ties keep the earlier glyph (the space first)
            }
            line.push_back(char(kFirstGlyph + best));
            const auto& cov = atlas->coverage[best];
            for (int y = 0; y < cell_h; ++y)
                for (int x = 0; x < cell_w; ++x) {
                    const uint8_t v = uint8_t(std::lround(255.0f * (1.0f - std::min(1.0f, cov[size_t(y) * cell_w + x]))));
                    uint8_t* p = art.image.at(x0 + x, y0 + y);
                    p[0] = p[1] = p[2] = v;
                }
        }
        art.lines.push_back(std::move(line));
    }
    return art;
}

}  // namespace ganscope
