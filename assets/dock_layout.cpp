// The default dock layout (see dock_layout.h).
#include "assets/dock_layout.h"

namespace ganscope {

DockLayout default_dock_layout(bool latent_space) {
    DockLayout l;
    // Left 23.5 % and right 36 % of the width, as the hand-tiled layout before docking had them.
    l.splits = {{"root", DockSide::Left, 0.235f, "left", "rest"},
                {"rest", DockSide::Right, 0.36f / 0.765f, "right", "middle"},
                {"left", DockSide::Up, 0.58f, "left_top", "left_bottom"},
                {"middle", DockSide::Up, 0.6f, "middle_top", "middle_bottom"}};
    if (latent_space) l.splits.push_back({"right", DockSide::Up, 0.6f, "right_top", "right_bottom"});
    l.panels = {{"Training", "left_top"},  {"Performance", "left_bottom"}, {"Record", "left_bottom"},
                {"Samples", "middle_top"}, {"Dataset", "middle_top"},      {"History", "middle_top"},
                {"Compare", "middle_top"}, {"Curves", "middle_bottom"}};
    if (latent_space) {
        l.panels.push_back({"Latent explorer", "right_top"});
        l.panels.push_back({"Interpolation", "right_bottom"});
        l.panels.push_back({"Inspect", "right_bottom"});
        l.panels.push_back({"Nearest", "right_bottom"});
        l.panels.push_back({"Projection", "right_bottom"});
    } else {
        l.panels.push_back({"Translate", "right"});
        l.panels.push_back({"Inspect", "right"});
    }
    return l;
}

}  // namespace ganscope
