// The Samples panel: the fixed-latent grid with zoom and pan; hover shows a cell, click explores its latent.
// GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/modules/models.h"

namespace ganscope {

struct SamplesPanel {
    void draw(const RunView& run, GridModel& grid, const LatentLinks& links);

    // Which cell of a grid (columns, cell pixels, padding) a point in grid pixels falls in; -1 for padding
    // or outside. Pure; tested.
    static int cell_at(float x, float y, int count, int columns, int cell, int padding);

private:
    float m_zoom = 0;  // 0: fit to the panel
    int m_menu_cell = -1;
};


}  // namespace ganscope
