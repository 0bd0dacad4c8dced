// A drawing canvas in plain C++: pen and eraser strokes rasterised into an RGB Image, undo/redo, clear.
// No GL or ImGui; the Translate panel feeds it mouse positions in image pixels. One thread (the GL thread).
#pragma once

#include <cstdint>
#include <vector>

#include "ml/data/image.h"

namespace ganscope {

enum class CanvasTool { Pen, Eraser };

struct CanvasBrush {
    CanvasTool tool = CanvasTool::Pen;
    float width = 2.0f;     // diameter in image pixels
    Rgb colour{0, 0, 0};    // the pen's colour; the eraser paints the background
};

class Canvas {
public:
    explicit Canvas(int size = 0, Rgb background = {255, 255, 255});

    // A blank size x size canvas; the history is dropped (a new model's size).
    void reset(int size);
    // Replaces the content (a loaded image, resized to the canvas); undoable.
    void set_image(const Image& image);
    // Starts a stroke: the state before it becomes one undo step, and redo is forgotten.
    void begin_stroke();
    // A round-capped segment from (x0, y0) to (x1, y1) in pixel coordinates (pixel centres at +0.5).
    void stroke(float x0, float y0, float x1, float y1, const CanvasBrush& brush);
    void clear();  // to the background; undoable
    bool undo();
    bool redo();
    bool can_undo() const { return !m_undo.empty(); }
    bool can_redo() const { return !m_redo.empty(); }

    const Image& image() const { return m_image; }
    int size() const { return m_image.width; }
    Rgb background() const { return m_background; }
    uint64_t revision() const { return m_revision; }  // bumps on every change of the pixels

private:
    void push_undo();

    Image m_image;
    Rgb m_background;
    std::vector<Image> m_undo, m_redo;
    uint64_t m_revision = 0;
    static constexpr size_t kMaxHistory = 64;  // whole images: at 256 px that is 12 MiB at most
};

}  // namespace ganscope
