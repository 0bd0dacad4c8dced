// FreeType caption rendering onto RGB8 frames; see caption.h. One instance per thread.
#include "render/caption.h"

#include "assets/fonts.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace ganscope {

namespace {

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Decodes one UTF-8 code point at text[i], advancing i; invalid bytes come out as '?'.
uint32_t next_code_point(const std::string& text, size_t& i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i++);
    if (c < 0x80) return c;
    int extra = (c >= 0xF0) ? 3 : (c >= 0xE0) ? 2 : (c >= 0xC0) ? 1 : -1;
    if (extra < 0 || i + size_t(extra) > text.size()) return '?';
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 0; k < extra; ++k) {
        if ((byte(i) & 0xC0) != 0x80) return '?';
        cp = (cp << 6) | (byte(i++) & 0x3F);
    }
    return cp;
}

struct Glyph {
    int left = 0, top = 0, width = 0, rows = 0, advance = 0;
    std::vector<uint8_t> coverage;
};

}  // namespace

std::string find_caption_font(const std::string& requested) {
    if (!requested.empty()) {
        if (is_file(requested)) return requested;
        throw std::runtime_error("caption font '" + requested + "' does not exist; give a .ttf file");
    }
    return find_font(FontRole::Caption);  // $GANSCOPE_FONT, else DejaVu Sans Mono or Sans (assets/fonts.h)
}

struct CaptionRenderer::Impl {
    FT_Library library = nullptr;
    FT_Face face = nullptr;
    std::string path;
    int ascender = 0, line_height = 0;
    std::unordered_map<uint32_t, Glyph> glyphs;

    const Glyph& glyph(uint32_t cp) {
        auto it = glyphs.find(cp);
        if (it != glyphs.end()) return it->second;
        Glyph g;
        FT_UInt index = FT_Get_Char_Index(face, cp);
        if (index == 0 && cp != '?') index = FT_Get_Char_Index(face, '?');
        if (FT_Load_Glyph(face, index, FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL) == 0) {
            const FT_Bitmap& bm = face->glyph->bitmap;
            g.left = face->glyph->bitmap_left;
            g.top = face->glyph->bitmap_top;
            g.width = int(bm.width);
            g.rows = int(bm.rows);
            g.advance = int(face->glyph->advance.x >> 6);
            g.coverage.resize(size_t(g.width) * g.rows);
            for (int y = 0; y < g.rows; ++y)
                std::memcpy(g.coverage.data() + size_t(y) * g.width, bm.buffer + y * bm.pitch, size_t(g.width));
        }
        return glyphs.emplace(cp, std::move(g)).first->second;
    }
};

CaptionRenderer::CaptionRenderer(int pixel_size, const std::string& font_path) : m_impl(std::make_unique<Impl>()) {
    if (pixel_size < 4 || pixel_size > 512)
        throw std::invalid_argument("caption pixel size " + std::to_string(pixel_size) + " is out of range 4..512");
    m_impl->path = find_caption_font(font_path);
    if (FT_Init_FreeType(&m_impl->library) != 0) throw std::runtime_error("FreeType failed to initialise");
    if (FT_New_Face(m_impl->library, m_impl->path.c_str(), 0, &m_impl->face) != 0) {
        FT_Done_FreeType(m_impl->library);
        throw std::runtime_error("FreeType cannot open font '" + m_impl->path +
                                 "': not a font file? set GANSCOPE_FONT to a .ttf file");
    }
    FT_Set_Pixel_Sizes(m_impl->face, 0, FT_UInt(pixel_size));
    m_impl->ascender = int(m_impl->face->size->metrics.ascender >> 6);
    m_impl->line_height = int(m_impl->face->size->metrics.height >> 6);
}

CaptionRenderer::~CaptionRenderer() {
    if (m_impl->face) FT_Done_Face(m_impl->face);
    if (m_impl->library) FT_Done_FreeType(m_impl->library);
}

int CaptionRenderer::line_height() const { return m_impl->line_height; }
const std::string& CaptionRenderer::font_path() const { return m_impl->path; }

int CaptionRenderer::text_width(const std::string& line) {
    int width = 0;
    for (size_t i = 0; i < line.size();) {
        uint32_t cp = next_code_point(line, i);
        if (cp == '\n') break;
        width += m_impl->glyph(cp).advance;
    }
    return width;
}

void CaptionRenderer::draw_text(RgbFrame& frame, int x, int y, const std::string& text, Color8 color) {
    const uint8_t rgb[3] = {color.r, color.g, color.b};
    int pen_x = x, baseline = y + m_impl->ascender;
    for (size_t i = 0; i < text.size();) {
        uint32_t cp = next_code_point(text, i);
        if (cp == '\n') {
            pen_x = x;
            baseline += m_impl->line_height;
            continue;
        }
        const Glyph& g = m_impl->glyph(cp);
        int gx = pen_x + g.left, gy = baseline - g.top;
        for (int row = std::max(0, -gy); row < g.rows && gy + row < frame.height; ++row) {
            for (int col = std::max(0, -gx); col < g.width && gx + col < frame.width; ++col) {
                int a = g.coverage[size_t(row) * g.width + col];
                if (a == 0) continue;
                uint8_t* p = frame.at(gx + col, gy + row);
                for (int c = 0; c < 3; ++c) p[c] = uint8_t((rgb[c] * a + p[c] * (255 - a) + 127) / 255);
            }
        }
        pen_x += g.advance;
    }
}

RgbFrame CaptionRenderer::with_caption(const RgbFrame& frame, const std::vector<std::string>& lines, Color8 text,
                                       Color8 band, int padding) {
    int band_height = lines.empty() ? 0 : int(lines.size()) * line_height() + 2 * padding;
    RgbFrame out(frame.width, frame.height + band_height);
    for (int y = 0; y < band_height; ++y)
        for (int x = 0; x < out.width; ++x) {
            uint8_t* p = out.at(x, y);
            p[0] = band.r, p[1] = band.g, p[2] = band.b;
        }
    if (!frame.pixels.empty())
        std::memcpy(out.at(0, band_height), frame.pixels.data(), frame.pixels.size());
    for (size_t i = 0; i < lines.size(); ++i)
        draw_text(out, padding, padding + int(i) * line_height(), lines[i], text);
    return out;
}

}  // namespace ganscope
