// The built-in "emoji" dataset: the colour glyphs of Noto Color Emoji rasterised with FreeType, cached on disk.
// Any thread (building is self-contained; the cache file is written atomically).
#pragma once

#include <string>
#include <vector>

#include "ml/data/image.h"

namespace ganscope {


// Rasterises every colour (BGRA) glyph of the font, composites it onto `background`, centres it on a square
// and scales it to size x size. Deterministic. Throws DataError naming the font when it is missing.
std::vector<Image> rasterise_emoji(int size, Rgb background, const std::string& font_path = "");  // "": assets/fonts.h finds it

// The same set, read from the cache when present (built and cached on first use).
std::vector<Image> load_emoji_dataset(int size, Rgb background);

// $GANSCOPE_CACHE, else $XDG_CACHE_HOME/ganscope, else ~/.cache/ganscope.
std::string cache_dir();

}  // namespace ganscope
