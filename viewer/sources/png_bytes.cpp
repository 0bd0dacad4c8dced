// PNG bytes in memory (see png_bytes.h): signature, IHDR, one IDAT, IEND; CRC-32 and deflate from zlib.
#include "viewer/sources/png_bytes.h"

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace ganscope {
namespace {

void put32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += char((v >> shift) & 0xff);
}

void chunk(std::string& out, const char* type, const unsigned char* data, size_t size) {
    put32(out, uint32_t(size));
    const size_t start = out.size();
    out.append(type, 4);
    out.append(reinterpret_cast<const char*>(data), size);
    const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start), uInt(out.size() - start));
    put32(out, uint32_t(crc));
}

}  // namespace

std::string encode_png(const Image& image) {
    static const unsigned char kColourType[] = {0, 0, 4, 2, 6};  // by channel count: gray, gray+alpha, RGB, RGBA
    const int c = image.channels;
    const std::string size = std::to_string(image.width) + "x" + std::to_string(image.height);
    if (image.empty() || c < 1 || c > 4 || image.pixels.size() != size_t(image.width) * image.height * c)
        throw std::runtime_error("cannot encode a " + size + " image of " + std::to_string(c) + " channels as PNG");
    // Rows with the Sub filter: each byte minus the byte one pixel to its left.
    const size_t row = size_t(image.width) * c;
    std::vector<unsigned char> filtered((row + 1) * image.height);
    for (int y = 0; y < image.height; ++y) {
        unsigned char* out = filtered.data() + (row + 1) * y;
        const uint8_t* in = image.pixels.data() + row * y;
        out[0] = 1;
        for (size_t i = 0; i < row; ++i) out[1 + i] = uint8_t(in[i] - (i >= size_t(c) ? in[i - c] : 0));
    }
    uLongf packed_size = compressBound(uLong(filtered.size()));
    std::vector<unsigned char> packed(packed_size);
    if (compress2(packed.data(), &packed_size, filtered.data(), uLong(filtered.size()), Z_BEST_SPEED) != Z_OK)
        throw std::runtime_error("cannot compress a " + size + " image as PNG");

    std::string png("\x89PNG\r\n\x1a\n", 8);
    unsigned char header[13];
    for (int i = 0; i < 4; ++i) {
        header[i] = uint8_t(uint32_t(image.width) >> (24 - 8 * i));
        header[4 + i] = uint8_t(uint32_t(image.height) >> (24 - 8 * i));
    }
    header[8] = 8;               // bits per channel
    header[9] = kColourType[c];
    header[10] = header[11] = header[12] = 0;  // deflate, adaptive filtering, no interlace
    png.reserve(packed_size + 64);
    chunk(png, "IHDR", header, sizeof header);
    chunk(png, "IDAT", packed.data(), packed_size);
    chunk(png, "IEND", nullptr, 0);
    return png;
}

}  // namespace ganscope
