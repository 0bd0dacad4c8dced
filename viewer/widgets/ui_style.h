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

namespace ganscope {

// Images of generated pixels, drawn with their texture's own filtering: nearest when magnified, so every pixel
// a generator made shows as a square, and linear when fitted smaller. Dear ImGui 1.92's OpenGL backend samples
// through its own linear sampler object; these unbind it around the image, then restore it.
void ui_image(ImTextureID texture, const ImVec2& size, const ImVec2& uv0 = ImVec2(0, 0), const ImVec2& uv1 = ImVec2(1, 1));
void ui_add_image(ImDrawList* list, ImTextureID texture, const ImVec2& p0, const ImVec2& p1,
                  const ImVec2& uv0 = ImVec2(0, 0), const ImVec2& uv1 = ImVec2(1, 1));

}  // namespace ganscope
