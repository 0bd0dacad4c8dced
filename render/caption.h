// Caption text (step, epoch, losses) drawn onto RGB8 frames with FreeType. One renderer per thread:
// it caches glyph bitmaps and is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "render/video.h"

namespace ganscope {

struct Color8 {
    uint8_t r = 255, g = 255, b = 255;
};

// The font file to use: `requested` when given (it must exist), else $GANSCOPE_FONT, else DejaVu Sans Mono /
// DejaVu Sans in the usual system folders. Throws std::runtime_error naming every path tried and what to do.
std::string find_caption_font(const std::string& requested = "");

class CaptionRenderer {
public:
    // pixel_size: the em height in pixels. Throws std::runtime_error when no font is found or FreeType
    // cannot open it (the message names the file).
    explicit CaptionRenderer(int pixel_size = 14, const std::string& font_path = "");
    ~CaptionRenderer();
    CaptionRenderer(const CaptionRenderer&) = delete;
    CaptionRenderer& operator=(const CaptionRenderer&) = delete;

    // Draws UTF-8 text with the top of its first line at (x, y), blended by glyph coverage and clipped to
    // the frame. '\n' starts a new line.
    void draw_text(RgbFrame& frame, int x, int y, const std::string& text, Color8 color = {});
    int text_width(const std::string& line);
    int line_height() const;
    const std::string& font_path() const;

    // A new frame: a band of `lines` (left-aligned, `padding` pixels around) above `frame`, as wide as the
    // frame (text that does not fit is clipped), so a video's frames keep one size as the numbers change.
    RgbFrame with_caption(const RgbFrame& frame, const std::vector<std::string>& lines,
                          Color8 text = {235, 235, 235}, Color8 band = {24, 24, 28}, int padding = 4);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ganscope
