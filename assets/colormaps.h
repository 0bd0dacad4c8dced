// Colour maps for scalar maps (feature maps, error maps, the discriminator's verdicts): lookup tables of 256
// sRGB entries made by scripts/make_colormaps.py (assets/colormaps_data.cpp). Any thread.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace ganscope {

enum class ColorMapKind { Sequential, Diverging };

struct ColorMap {
    const char* name;
    ColorMapKind kind;
    const float (*rgb)[3];  // `size` entries, sRGB in [0, 1]
    int size;
};

// Every map: "lumen" (sequential: lightness linear from dark violet-blue to pale yellow), "coolwarm" (diverging:
// blue through a light grey to red, Moreland's).
const std::vector<ColorMap>& color_maps();
// The map called `name`; throws std::invalid_argument listing the names when there is none.
const ColorMap& color_map(const std::string& name);
// The map's colour at t in [0, 1] (clamped), interpolated linearly between entries: what the shaders sample.
std::array<float, 3> sample(const ColorMap& map, float t);

}  // namespace ganscope
