// Canvas (see canvas.h): stroke rasterisation and history. GL thread only, but no GL.
#include "viewer/widgets/canvas.h"

#include <algorithm>
#include <cmath>

namespace ganscope {

Canvas::Canvas(int size, Rgb background) : m_background(background) { reset(size); }

void Canvas::reset(int size) {
    m_image = Image(std::max(0, size), std::max(0, size), 3);
    for (size_t i = 0; i < m_image.pixels.size(); i += 3) {
        m_image.pixels[i] = m_background.r;
        m_image.pixels[i + 1] = m_background.g;
        m_image.pixels[i + 2] = m_background.b;
    }
    m_undo.clear();
    m_redo.clear();
    ++m_revision;
}

void Canvas::push_undo() {
    m_undo.push_back(m_image);
    if (m_undo.size() > kMaxHistory) m_undo.erase(m_undo.begin());
    m_redo.clear();
}

void Canvas::set_image(const Image& image) {
    if (m_image.empty() || image.empty()) return;
    push_undo();
    Image rgb = to_rgb(image, m_background);
    m_image = (rgb.width == size() && rgb.height == size()) ? rgb : resize_short_side_center_crop(rgb, size());
    ++m_revision;
}

void Canvas::begin_stroke() { push_undo(); }

void Canvas::stroke(float x0, float y0, float x1, float y1, const CanvasBrush& brush) {
    if (m_image.empty()) return;
    const Rgb c = brush.tool == CanvasTool::Eraser ? m_background : brush.colour;
    const float r = std::max(0.5f, brush.width * 0.5f);
    const int w = m_image.width, h = m_image.height;
    const int xa = std::max(0, int(std::floor(std::min(x0, x1) - r))), xb = std::min(w - 1, int(std::ceil(std::max(x0, x1) + r)));
    const int ya = std::max(0, int(std::floor(std::min(y0, y1) - r))), yb = std::min(h - 1, int(std::ceil(std::max(y0, y1) + r)));
    const float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    bool changed = false;
    for (int y = ya; y <= yb; ++y) {
        for (int x = xa; x <= xb; ++x) {
            // Distance from the pixel centre to the segment: a capsule, so strokes join without gaps.
            const float px = x + 0.5f - x0, py = y + 0.5f - y0;
            const float t = len2 > 0 ? std::clamp((px * dx + py * dy) / len2, 0.0f, 1.0f) : 0.0f;
            const float ex = px - t * dx, ey = py - t * dy;
            if (ex * ex + ey * ey > r * r) continue;
            uint8_t* p = m_image.at(x, y);
            changed |= p[0] != c.r || p[1] != c.g || p[2] != c.b;
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
    }
    if (changed) ++m_revision;
}

void Canvas::clear() {
    if (m_image.empty()) return;
    push_undo();
    for (size_t i = 0; i < m_image.pixels.size(); i += 3) {
        m_image.pixels[i] = m_background.r;
        m_image.pixels[i + 1] = m_background.g;
        m_image.pixels[i + 2] = m_background.b;
    }
    ++m_revision;
}

bool Canvas::undo() {
    if (m_undo.empty()) return false;
    m_redo.push_back(std::move(m_image));
    m_image = std::move(m_undo.back());
    m_undo.pop_back();
    ++m_revision;
    return true;
}

bool Canvas::redo() {
    if (m_redo.empty()) return false;
    m_undo.push_back(std::move(m_image));
    m_image = std::move(m_redo.back());
    m_redo.pop_back();
    ++m_revision;
    return true;
}

}  // namespace ganscope
