// The History panel's model: the time slider over the run's generator snapshots and what they rendered.
// GL thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganscope {

// The time slider over the run's generator snapshots (history/step_*.pt).
struct HistoryViewModel {
    std::vector<int64_t> steps;  // snapshot steps, oldest first
    int position = -1;           // index into steps; -1 (or >= steps.size()): live, follows training
    int64_t shown_step = -1;     // the step of the snapshot the images below were rendered with
    bool pending = false;        // a render is on its way
    bool active = false;         // the History tab is visible: only then are snapshots rendered
    std::string run_dir, error;
    uint64_t grid_texture = 0;  // ImGui texture ids (filled by the controller; panels make no GL calls)
    int grid_width = 0, grid_height = 0;
    uint64_t explorer_texture = 0;
    int explorer_width = 0, explorer_height = 0;
    int columns = 0, padding = 0, cell = 0;  // the snapshot grid's layout, in texture pixels (for the panel's menu)
    int menu_cell = -1;                      // the cell the right-click menu is for (-2: the explorer image)
    int nearest = -1;  // intent: that image to the Nearest panel (a cell, or -2 the explorer image)
    bool live() const { return position < 0 || position >= int(steps.size()); }
};

}  // namespace ganscope
