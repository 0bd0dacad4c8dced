// An image as PNG bytes in memory, for what travels over HTTP (the server's grid and translations, a watching
// window's canvas). Any thread.
#pragma once

#include <string>

#include "ml/image.h"

namespace ganscope {

// Throws std::runtime_error naming the size when stb cannot encode it.
std::string encode_png(const Image& image);

}  // namespace ganscope
