// The window's default dock layout, as data: how the dock space splits and which panel goes where. The window
// applies it (viewer/window/app_layout.cpp) on the first start, for a kind of run the remembered layout has not
// seen, and on View > Reset layout. Three columns under the menu bar: controls | grid and curves | latent tools
// (or Translate, for pix2pix, which has no latent space).
#pragma once

#include <vector>

namespace ganscope {

enum class DockSide { Left, Right, Up, Down };

// Split `node` (named before, or "root": the whole dock space) in two: `side` takes `fraction` of it and becomes
// `first`; the rest becomes `second`.
struct DockSplit {
    const char* node;
    DockSide side;
    float fraction;
    const char* first;
    const char* second;
};

struct DockPlacement {
    const char* panel;  // a window title (the module's title)
    const char* node;
};

struct DockLayout {
    std::vector<DockSplit> splits;
    std::vector<DockPlacement> panels;  // in tab order; the first of each node is its front tab
};

// latent_space: DCGAN runs (Latent explorer and Interpolation on the right); false: pix2pix (Translate there).
DockLayout default_dock_layout(bool latent_space);

}  // namespace ganscope
