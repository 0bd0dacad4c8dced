// Image decoding, resampling and PNG writing on top of stb. Pure functions; any thread.
#include "ml/image.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace ganscope {
namespace {

struct StbFree {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
};

Image decode(const std::string& path, int desired_channels) {
    int w = 0, h = 0, c = 0;
    std::unique_ptr<unsigned char, StbFree> data(stbi_load(path.c_str(), &w, &h, &c, desired_channels));
    if (!data) {
        const char* why = stbi_failure_reason();
        throw ImageError(path + ": cannot decode image (" + (why ? why : "unknown error") +
                         "); remove or replace the file");
    }
    if (w <= 0 || h <= 0) throw ImageError(path + ": image has no pixels; remove or replace the file");
    const int channels = desired_channels ? desired_channels : c;
    Image image(w, h, channels);
    std::memcpy(image.pixels.data(), data.get(), image.pixels.size());
    return image;
}

}  // namespace

Image load_image_raw(const std::string& path) { return decode(path, 0); }

Image load_image(const std::string& path, Rgb background) { return to_rgb(decode(path, 0), background); }

bool probe_image(const std::string& path, std::string* reason) {
    int w = 0, h = 0, c = 0;
    if (!stbi_info(path.c_str(), &w, &h, &c)) {
        if (reason) {
            const char* why = stbi_failure_reason();
            *reason = why ? why : "not an image";
        }
        return false;
    }
    if (w <= 0 || h <= 0) {
        if (reason) *reason = "empty image";
        return false;
    }
    return true;
}

Image composite_alpha(const Image& rgba, Rgb bg) {
    Image out(rgba.width, rgba.height, 3);
    const size_t n = size_t(rgba.width) * rgba.height;
    const uint8_t bgc[3] = {bg.r, bg.g, bg.b};
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* s = &rgba.pixels[i * 4];
        const int a = s[3];
        for (int k = 0; k < 3; ++k) out.pixels[i * 3 + k] = uint8_t((s[k] * a + bgc[k] * (255 - a) + 127) / 255);
    }
    return out;
}

Image to_rgb(const Image& image, Rgb background) {
    switch (image.channels) {
        case 3: return image;
        case 4: return composite_alpha(image, background);
        case 1:
        case 2: {
            Image out(image.width, image.height, 3);
            const size_t n = size_t(image.width) * image.height;
            for (size_t i = 0; i < n; ++i) {
                int v = image.pixels[i * image.channels];
                if (image.channels == 2) {
                    const int a = image.pixels[i * 2 + 1];
                    for (int k = 0; k < 3; ++k) {
                        const int b = k == 0 ? background.r : k == 1 ? background.g : background.b;
                        out.pixels[i * 3 + k] = uint8_t((v * a + b * (255 - a) + 127) / 255);
                    }
                } else {
                    out.pixels[i * 3] = out.pixels[i * 3 + 1] = out.pixels[i * 3 + 2] = uint8_t(v);
                }
            }
            return out;
        }
        default: throw ImageError("to_rgb: unsupported channel count " + std::to_string(image.channels));
    }
}

Image to_gray(const Image& image) {
    if (image.channels == 1) return image;
    const Image rgb = to_rgb(image);
    Image out(rgb.width, rgb.height, 1);
    const size_t n = size_t(rgb.width) * rgb.height;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = &rgb.pixels[i * 3];
        out.pixels[i] = uint8_t((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
    }
    return out;
}

Image resize(const Image& image, int width, int height) {
    if (width <= 0 || height <= 0) throw ImageError("resize: bad target size " + std::to_string(width) + "x" + std::to_string(height));
    if (width == image.width && height == image.height) return image;
    Image out(width, height, image.channels);
    // Linear-light would be nicer, but the networks see sRGB values, so resample in sRGB like PIL does.
    if (!stbir_resize_uint8(image.pixels.data(), image.width, image.height, 0, out.pixels.data(), width, height, 0,
                            image.channels))
        throw ImageError("resize: stb failed");
    return out;
}

Image resize_short_side_center_crop(const Image& image, int size) {
    const int short_side = std::min(image.width, image.height);
    const double scale = double(size) / short_side;
    const int w = std::max(size, int(image.width * scale + 0.5));
    const int h = std::max(size, int(image.height * scale + 0.5));
    const Image scaled = resize(image, w, h);
    return crop(scaled, (w - size) / 2, (h - size) / 2, size, size);
}

Image crop(const Image& image, int x, int y, int width, int height) {
    if (x < 0 || y < 0 || x + width > image.width || y + height > image.height)
        throw ImageError("crop: rectangle outside the image");
    if (x == 0 && y == 0 && width == image.width && height == image.height) return image;
    Image out(width, height, image.channels);
    const size_t row = size_t(width) * image.channels;
    for (int r = 0; r < height; ++r) std::memcpy(out.at(0, r), image.at(x, y + r), row);
    return out;
}

Image flip_horizontal(const Image& image) {
    Image out(image.width, image.height, image.channels);
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x)
            std::memcpy(out.at(image.width - 1 - x, y), image.at(x, y), image.channels);
    return out;
}

void paste(Image& dst, const Image& src, int x, int y) {
    if (dst.channels != src.channels) throw ImageError("paste: channel counts differ");
    for (int r = 0; r < src.height; ++r) {
        const int dy = y + r;
        if (dy < 0 || dy >= dst.height) continue;
        const int x0 = std::max(0, x), x1 = std::min(dst.width, x + src.width);
        if (x1 <= x0) continue;
        std::memcpy(dst.at(x0, dy), src.at(x0 - x, r), size_t(x1 - x0) * src.channels);
    }
}

void write_png(const std::string& path, const Image& image) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    const std::string temp = path + ".tmp";
    if (!stbi_write_png(temp.c_str(), image.width, image.height, image.channels, image.pixels.data(),
                        image.width * image.channels)) {
        std::remove(temp.c_str());
        throw ImageError(path + ": cannot write PNG (" + std::strerror(errno) +
                         "); check that the folder exists, is writable and has space");
    }
    fs::rename(temp, target, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw ImageError(path + ": cannot write PNG (" + ec.message() + ")");
    }
}

}  // namespace ganscope
