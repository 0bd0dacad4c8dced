// The Translate panel: draw on a canvas with the mouse (pen, eraser, width, colour, undo/redo, clear), load an
// image or a checkpoint, and see the pix2pix translation beside it or under a split slider; save it. GL thread
// only, inside an ImGui frame; edits the translate model (the App sends requests), makes no GL calls.
#pragma once

#include <imgui.h>

#include "viewer/features/translate/translate_model.h"

namespace ganscope {

struct TranslatePanel {
    void draw(TranslateModel& translate);

private:
    void draw_tools(TranslateModel& t);
    // The canvas image at `pos`, `side` pixels square: mouse strokes go into the canvas.
    void handle_canvas_input(TranslateModel& t, ImVec2 pos, float side);
    void draw_files(TranslateModel& t);

    bool m_stroking = false;
    float m_last_x = 0, m_last_y = 0;  // the previous mouse position, in canvas pixels
};

}  // namespace ganscope
