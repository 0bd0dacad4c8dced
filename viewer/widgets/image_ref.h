// A texture as a panel sees it (ImGui's texture id and size): panels draw it with ImGui::Image and never touch GL.
#pragma once

#include <cstdint>

#include "viewer/widgets/tensor_texture.h"

namespace ganscope {

// A texture as ImGui sees it; panels draw it with ImGui::Image and never touch GL.
struct ImageRef {
    uint64_t texture = 0;  // the GL texture name, as ImTextureID
    int width = 0, height = 0;
    bool ready() const { return texture && width > 0 && height > 0; }
};

inline ImageRef image_of(const TensorTexture& t) { return {t.imgui_id(), t.width(), t.height()}; }
inline ImageRef image_of(const GridTexture& t) { return {t.imgui_id(), t.width(), t.height()}; }

}  // namespace ganscope
