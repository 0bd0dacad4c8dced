// Noto Color Emoji -> images through FreeType (FT_LOAD_COLOR gives BGRA bitmaps), with a binary cache.
#include "ml/data/emoji.h"

#include "assets/fonts.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "ml/data/dataset.h"

namespace ganscope {
namespace {

constexpr uint32_t kCacheMagic = 0x6a6f6d45;  // "Emoj"
constexpr uint32_t kCacheVersion = 1;

struct FreeTypeLibrary {
    FT_Library lib = nullptr;
    FT_Face face = nullptr;
    ~FreeTypeLibrary() {
        if (face) FT_Done_Face(face);
        if (lib) FT_Done_FreeType(lib);
    }
};

// BGRA glyph bitmap (premultiplied alpha, as FreeType gives it) -> RGB on the background, centred on a square.
Image glyph_to_square(const FT_Bitmap& bm, Rgb bg) {
    const int w = int(bm.width), h = int(bm.rows);
    const int side = std::max(w, h);
    Image out(side, side, 3);
    for (int i = 0; i < side * side; ++i) {
        out.pixels[i * 3] = bg.r;
        out.pixels[i * 3 + 1] = bg.g;
        out.pixels[i * 3 + 2] = bg.b;
    }
    const int ox = (side - w) / 2, oy = (side - h) / 2;
    for (int y = 0; y < h; ++y) {
        const uint8_t* row = bm.buffer + ptrdiff_t(y) * bm.pitch;
        for (int x = 0; x < w; ++x) {
            const uint8_t b = row[x * 4], g = row[x * 4 + 1], r = row[x * 4 + 2], a = row[x * 4 + 3];
            uint8_t* d = out.at(ox + x, oy + y);
            // Premultiplied: out = src + bg * (1 - a).
            d[0] = uint8_t(std::min(255, r + (bg.r * (255 - a) + 127) / 255));
            d[1] = uint8_t(std::min(255, g + (bg.g * (255 - a) + 127) / 255));
            d[2] = uint8_t(std::min(255, b + (bg.b * (255 - a) + 127) / 255));
        }
    }
    return out;
}

std::string cache_path(int size, Rgb bg) {
    char name[96];
    std::snprintf(name, sizeof name, "emoji-v%u-%d-%02x%02x%02x.bin", kCacheVersion, size, bg.r, bg.g, bg.b);
    return cache_dir() + "/" + name;
}

bool read_cache(const std::string& path, int size, std::vector<Image>& images) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    uint32_t header[4] = {};
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (!in || header[0] != kCacheMagic || header[1] != kCacheVersion || int(header[2]) != size) return false;
    images.assign(header[3], Image(size, size, 3));
    for (auto& image : images) in.read(reinterpret_cast<char*>(image.pixels.data()), image.pixels.size());
    if (!in) {
        images.clear();
        return false;
    }
    return true;
}

void write_cache(const std::string& path, int size, const std::vector<Image>& images) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string temp = path + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary);
        const uint32_t header[4] = {kCacheMagic, kCacheVersion, uint32_t(size), uint32_t(images.size())};
        out.write(reinterpret_cast<const char*>(header), sizeof header);
        for (const auto& image : images) out.write(reinterpret_cast<const char*>(image.pixels.data()), image.pixels.size());
        if (!out) {
            std::remove(temp.c_str());
            return;  // a cache we cannot write only costs a rebuild next time
        }
    }
    std::filesystem::rename(temp, path, ec);
    if (ec) std::remove(temp.c_str());
}

}  // namespace

std::string cache_dir() {
    if (const char* d = std::getenv("GANSCOPE_CACHE"); d && *d) return d;
    if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/ganscope";
    if (const char* d = std::getenv("HOME"); d && *d) return std::string(d) + "/.cache/ganscope";
    return ".cache/ganscope";
}

std::vector<Image> rasterise_emoji(int size, Rgb background, const std::string& requested_font) {
    std::string font_path = requested_font;
    if (font_path.empty()) {
        try {
            font_path = find_font(FontRole::Emoji);
        } catch (const std::runtime_error& e) {
            throw DataError(std::string(e.what()) + "; or train on a folder with --data DIR");
        }
    }
    FreeTypeLibrary ft;
    if (FT_Init_FreeType(&ft.lib)) throw DataError("emoji: cannot initialise FreeType");
    if (FT_New_Face(ft.lib, font_path.c_str(), 0, &ft.face))
        throw DataError(font_path + ": cannot open the emoji font; install it with `apt-get install fonts-noto-color-emoji` "
                        "(scripts/setup does) or train on a folder with --data DIR");
    if (ft.face->num_fixed_sizes < 1 || FT_Select_Size(ft.face, 0))
        throw DataError(font_path + ": font has no colour bitmap strike; it is not Noto Color Emoji");
    std::vector<Image> images;
    images.reserve(size_t(ft.face->num_glyphs));
    for (FT_Long g = 0; g < ft.face->num_glyphs; ++g) {
        if (FT_Load_Glyph(ft.face, FT_UInt(g), FT_LOAD_COLOR)) continue;
        if (FT_Render_Glyph(ft.face->glyph, FT_RENDER_MODE_NORMAL)) continue;
        const FT_Bitmap& bm = ft.face->glyph->bitmap;
        if (bm.pixel_mode != FT_PIXEL_MODE_BGRA || bm.width < 8 || bm.rows < 8) continue;
        images.push_back(resize(glyph_to_square(bm, background), size, size));
    }
    if (images.empty()) throw DataError(font_path + ": no colour glyphs found; reinstall fonts-noto-color-emoji");
    return images;
}

std::vector<Image> load_emoji_dataset(int size, Rgb background) {
    const std::string path = cache_path(size, background);
    std::vector<Image> images;
    if (read_cache(path, size, images)) return images;
    images = rasterise_emoji(size, background);
    write_cache(path, size, images);
    return images;
}

}  // namespace ganscope
