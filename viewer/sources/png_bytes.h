// An image as PNG bytes in memory, for what travels over HTTP (the server's grid, dataset pages and translations,
// a watching window's canvas). Written for speed, not size: each row Sub-filtered, deflated at zlib's fastest level
// (a served grid is encoded several times a second on the cores that train; stb's writer tries five filters per
// row at level 8). Any thread.
#pragma once

#include <string>

#include "ml/data/image.h"

namespace ganscope {

// Gray, gray+alpha, RGB or RGBA, 8 bits. Throws std::runtime_error naming the size when it cannot encode.
std::string encode_png(const Image& image);

}  // namespace ganscope
