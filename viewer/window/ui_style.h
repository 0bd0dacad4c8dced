// The look of the window: dark theme, fonts at the monitor's scale, sizes in font units. GL thread only.
#pragma once

#include <imgui.h>

namespace ganscope {

// Dark theme and fonts (DejaVu Sans; ImGui's built-in font when missing), scaled for DPI. Call before the
// renderer backend builds the font atlas.
void apply_ui_style(float scale);
// `n` times the current font size: widths that follow DPI and font.
float ui_em(float n);

// Series colours shared by plots and legends.
constexpr ImU32 kColorG = IM_COL32(240, 140, 60, 255);
constexpr ImU32 kColorD = IM_COL32(80, 160, 240, 255);
constexpr ImU32 kColorReal = IM_COL32(110, 200, 120, 255);
constexpr ImU32 kColorFake = IM_COL32(220, 100, 200, 255);

}  // namespace ganscope
