// Plain 8-bit images and their file I/O (stb): what datasets, pair generators and video frames pass around.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganscope {

struct Rgb {
    uint8_t r = 255, g = 255, b = 255;
};

// Thrown when a file cannot be read or written; what() names the file and what to do.
struct ImageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Image {
    int width = 0;
    int height = 0;
    int channels = 0;             // 1 (gray), 3 (RGB) or 4 (RGBA)
    std::vector<uint8_t> pixels;  // row-major, interleaved

    Image() = default;
    Image(int w, int h, int c, uint8_t fill = 0)
        : width(w), height(h), channels(c), pixels(size_t(w) * h * c, fill) {}
    bool empty() const { return pixels.empty(); }
    uint8_t* at(int x, int y) { return pixels.data() + (size_t(y) * width + x) * channels; }
    const uint8_t* at(int x, int y) const { return pixels.data() + (size_t(y) * width + x) * channels; }
};

// Decodes png, jpg, bmp, gif (first frame), tga, ... and returns RGB with alpha composited onto background.
Image load_image(const std::string& path, Rgb background = {});
// Decodes keeping the file's channel count (1-4).
Image load_image_raw(const std::string& path);
// Images above this many pixels are refused before decoding (a 40-byte header can ask for gigabytes).
constexpr int64_t kMaxImagePixels = 120'000'000;
// From bytes in memory (fuzzing, tests); `name` is used in messages.
Image load_image_memory(const unsigned char* data, size_t size, const std::string& name, Rgb background = {},
                        int64_t max_pixels = kMaxImagePixels);
// The size a header declares, read without decoding (a GIF's canvas checked first: stb decodes a GIF's first
// frame to answer); false with the reason when the header is unreadable.
bool image_info(const std::string& path, int* width, int* height, std::string* reason = nullptr);
// True when stb recognises the header; fills reason otherwise. Cheap: reads the header only.
bool probe_image(const std::string& path, std::string* reason = nullptr);

Image composite_alpha(const Image& rgba, Rgb background);
Image to_rgb(const Image& image, Rgb background = {});
Image to_gray(const Image& image);
Image resize(const Image& image, int width, int height);
// Scales so the short side is `size`, then takes the centred size x size square.
Image resize_short_side_center_crop(const Image& image, int size);
Image crop(const Image& image, int x, int y, int width, int height);
Image flip_horizontal(const Image& image);
// Pastes src into dst at (x, y); channel counts must match.
void paste(Image& dst, const Image& src, int x, int y);

// Writes a PNG atomically (temp file + rename); throws ImageError naming the file.
void write_png(const std::string& path, const Image& image);

}  // namespace ganscope
