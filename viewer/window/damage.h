// Damage tracking for the ImGui frame: compares each frame's draw lists (vertices, indices, commands and the
// versions of the textures they sample) with the last frame's and redraws only the framebuffer rectangles
// whose pixels change, into a framebuffer that keeps the rest (GlContext::begin_frame). On a software
// rasteriser beside a CPU training run this is most of the window's cost. GL (main) thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <imgui.h>

namespace ganscope {

// Framebuffer pixels, top-left origin, half-open: [x0, x1) x [y0, y1).
struct PixelRect {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x1 <= x0 || y1 <= y0; }
    int64_t area() const { return empty() ? 0 : int64_t(x1 - x0) * (y1 - y0); }
};
PixelRect unite(const PixelRect& a, const PixelRect& b);
PixelRect intersect(const PixelRect& a, const PixelRect& b);

// Merges overlapping rectangles, then the pair that wastes least, until at most `max_rects` remain.
std::vector<PixelRect> merge_rects(std::vector<PixelRect> rects, size_t max_rects);

// An update count for a texture the UI samples; it must change whenever the texture's pixels change.
using TextureVersion = std::function<uint64_t(ImTextureID)>;

class DamageTracker {
public:
    // What changed since the last call: empty when nothing did, one rectangle covering the framebuffer when
    // everything must be drawn (`everything`, the first frame, a new size, windows reordered or most of it).
    std::vector<PixelRect> damage(const ImDrawData& data, const TextureVersion& version, bool everything);

    // Creates, updates and destroys the textures Dear ImGui asks for (1.92: the font atlas grows as glyphs are
    // first drawn), before damage() reads the frame's texture names: render() may draw nothing at all.
    static void upload_textures(ImDrawData& data);

    // Draws `data` into the bound framebuffer, inside `rects` only: each is cleared to `clear` and every command
    // touching it is drawn scissored to it, so its pixels equal those of a full redraw.
    static void render(ImDrawData& data, const std::vector<PixelRect>& rects, const float clear[4]);

private:
    struct ListState {
        const char* owner = nullptr;
        std::vector<ImDrawVert> vertices;
        std::vector<ImDrawIdx> indices;
        std::vector<ImDrawCmd> commands;
        std::vector<uint64_t> versions;  // per command: its texture's version
        PixelRect bounds;
    };
    std::vector<ListState> m_lists;
    int m_width = 0, m_height = 0;
};

}  // namespace ganscope
