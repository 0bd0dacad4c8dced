// PNG bytes in memory (see png_bytes.h).
#include "viewer/sources/png_bytes.h"

#include <stb_image_write.h>

#include <stdexcept>

namespace ganscope {

std::string encode_png(const Image& image) {
    std::string out;
    auto append = [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<char*>(data), size_t(size));
    };
    if (image.empty() || !stbi_write_png_to_func(append, &out, image.width, image.height, image.channels,
                                                 image.pixels.data(), image.width * image.channels))
        throw std::runtime_error("cannot encode a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                 " image as PNG");
    return out;
}

}  // namespace ganscope
