// Image decoding, resampling and PNG writing on top of stb. Pure functions; any thread.
#include "ml/data/image.h"

#include "ml/formats/safe_text.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace ganscope {
namespace {

struct StbFree {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
};

Image finish_decode(std::unique_ptr<unsigned char, StbFree> data, int w, int h, int c, int desired_channels,
                    const std::string& path) {
    if (!data) {
        const char* why = stbi_failure_reason();
        throw ImageError(path + ": cannot decode image (" + (why ? escape_bytes(why) : std::string("unknown error")) +
                         "); remove or replace the file");
    }
    if (w <= 0 || h <= 0) throw ImageError(path + ": image has no pixels; remove or replace the file");
    const int channels = desired_channels ? desired_channels : c;
    Image image(w, h, channels);
    std::memcpy(image.pixels.data(), data.get(), image.pixels.size());
    return image;
}

// stbi_info on a GIF decodes its first frame, allocating the canvas its header names (17928 x 14136 from a
// 10 KB file: 1 GB, found by fuzzing): read a GIF's canvas size here first.
bool gif_canvas_too_large(const unsigned char* head, size_t n, int64_t max_pixels, int* w, int* h) {
    if (n < 10 || std::memcmp(head, "GIF8", 4) != 0) return false;
    *w = head[6] | head[7] << 8;
    *h = head[8] | head[9] << 8;
    return int64_t(*w) * *h > max_pixels;
}

void check_gif_file(const std::string& path) {
    unsigned char head[10] = {};
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return;  // stb reports it
    const size_t n = std::fread(head, 1, sizeof head, f);
    std::fclose(f);
    int w = 0, h = 0;
    if (gif_canvas_too_large(head, n, kMaxImagePixels, &w, &h))
        throw ImageError(path + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                         " pixels, more than ganscope decodes; downscale it");
}

// Before decoding: stb's header reader must understand the file (its decoders may still allocate the whole
// canvas a broken header names), and the canvas must be of a size ganscope decodes.
void check_dimensions(int ok, int w, int h, const std::string& path, int64_t max_pixels = kMaxImagePixels) {
    if (!ok) {
        const char* why = stbi_failure_reason();
        throw ImageError(path + ": cannot decode image (" + (why ? escape_bytes(why) : std::string("unreadable header")) + "); remove or replace the file");
    }
    if (int64_t(w) * h > max_pixels)
        throw ImageError(path + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                         " pixels, more than ganscope decodes; downscale it");
}

// stb reserves a PNG chunk's declared length before reading it (1.36 GB for a 156-byte file, found by
// fuzzing): every chunk must fit in the file.
void check_png_chunks(const unsigned char* p, size_t n, const std::string& path) {
    if (n < 8 || std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0) return;
    for (size_t at = 8; at + 8 <= n;) {
        const uint64_t len = uint64_t(p[at]) << 24 | uint64_t(p[at + 1]) << 16 | uint64_t(p[at + 2]) << 8 | p[at + 3];
        if (len > n - at - 8)
            throw ImageError(path + ": a PNG chunk declares " + std::to_string(len) +
                             " bytes past the end of the file (cut short or damaged); remove or replace the file");
        if (std::memcmp(p + at + 4, "IEND", 4) == 0) return;
        at += 12 + size_t(len);
    }
}

Image decode_memory(const unsigned char* bytes, size_t size, const std::string& path, int desired_channels,
                    int64_t max_pixels) {
    if (size > size_t(INT32_MAX)) throw ImageError(path + ": file too large");
    int w = 0, h = 0, c = 0;
    if (gif_canvas_too_large(bytes, size, max_pixels, &w, &h))
        throw ImageError(path + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                         " pixels, more than ganscope decodes; downscale it");
    check_png_chunks(bytes, size, path);
    const int ok = stbi_info_from_memory(bytes, int(size), &w, &h, &c);  // before w and h are read
    check_dimensions(ok, w, h, path, max_pixels);
    std::unique_ptr<unsigned char, StbFree> data(stbi_load_from_memory(bytes, int(size), &w, &h, &c, desired_channels));
    return finish_decode(std::move(data), w, h, c, desired_channels, path);
}

Image decode(const std::string& path, int desired_channels) {
    // Read whole, then checked from memory: the file is at most what it decodes to, or it is refused.
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ImageError(path + ": cannot open image (" + std::strerror(errno) + "); check the path");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return decode_memory(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), path, desired_channels,
                         kMaxImagePixels);
}

}  // namespace

Image load_image_raw(const std::string& path) { return decode(path, 0); }

Image load_image(const std::string& path, Rgb background) { return to_rgb(decode(path, 0), background); }

Image load_image_memory(const unsigned char* bytes, size_t size, const std::string& name, Rgb background,
                        int64_t max_pixels) {
    return to_rgb(decode_memory(bytes, size, name, 0, max_pixels), background);
}

bool image_info(const std::string& path, int* w, int* h, std::string* reason) {
    try {
        check_gif_file(path);
    } catch (const ImageError&) {
        if (reason) *reason = "a GIF canvas larger than ganscope decodes";
        return false;
    }
    int c = 0;
    if (!stbi_info(path.c_str(), w, h, &c)) {
        if (reason) {
            const char* why = stbi_failure_reason();
            *reason = why ? escape_bytes(why) : "not decodable";
        }
        return false;
    }
    return true;
}

bool probe_image(const std::string& path, std::string* reason) {
    int w = 0, h = 0;
    if (!image_info(path, &w, &h, reason)) return false;
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
