// The Samples panel: the fixed-latent grid with zoom and pan; hover shows a cell, click explores its latent.
// The grid shader draws what the panel asks for (GridModel::view: its size, zoom, pan, hovered cell).
// GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/features/module.h"
#include "viewer/widgets/grid_model.h"

namespace ganscope {

struct SamplesPanel {
    void draw(const RunView& run, GridModel& grid, const LatentLinks& links);

    // Which cell of a grid (columns, cell pixels, padding) a point in grid pixels falls in; -1 for padding
    // or outside. Pure; tested.
    static int cell_at(float x, float y, int count, int columns, int cell, int padding);

private:
    float m_zoom = 0;                    // screen units per grid pixel; 0: fit to the panel
    float m_offset[2] = {0, 0};          // the grid point at the view's top-left
    float m_last_zoom = 0;               // the zoom m_offset was computed for
    int m_menu_cell = -1;

public:
    int nearest_cell = -1;  // intent: the cell whose nearest training images were asked for (the module sends it)
};


}  // namespace ganscope
