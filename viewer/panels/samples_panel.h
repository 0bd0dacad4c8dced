// The Samples panel: the fixed-latent grid with zoom and pan; hover shows a cell, click explores its latent.
// GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/window/app_model.h"

namespace ganscope {

struct SamplesPanel {
    void draw(AppModel& model);

    // Which cell of a grid (columns, cell pixels, padding) a point in grid pixels falls in; -1 for padding
    // or outside. Pure; tested.
    static int cell_at(float x, float y, int count, int columns, int cell, int padding);

private:
    float m_zoom = 0;  // 0: fit to the panel
    int m_menu_cell = -1;
};

// Sends the latent to the explorer, resetting the slider offsets (shared by Samples and Interpolation).
void explore_latent(AppModel& model, const torch::Tensor& latent, const std::string& from);

}  // namespace ganscope
