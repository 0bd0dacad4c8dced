// Colour maps (see colormaps.h): look-up by name and the linear interpolation the shaders also do. Any thread.
#include "assets/colormaps.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ganscope {

const ColorMap& color_map(const std::string& name) {
    std::string known;
    for (const ColorMap& m : color_maps()) {
        if (name == m.name) return m;
        known += (known.empty() ? "" : ", ") + std::string(m.name);
    }
    throw std::invalid_argument("no colour map '" + name + "'; there are: " + known);
}

std::array<float, 3> sample(const ColorMap& map, float t) {
    const float x = std::clamp(std::isnan(t) ? 0.0f : t, 0.0f, 1.0f) * float(map.size - 1);
    const int i = std::min(int(x), map.size - 2);
    const float w = x - float(i);
    std::array<float, 3> out{};
    for (int c = 0; c < 3; ++c) out[c] = map.rgb[i][c] * (1 - w) + map.rgb[i + 1][c] * w;
    return out;
}

}  // namespace ganscope
