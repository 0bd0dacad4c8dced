// Edge and sketch pair generators (bilateral filter, Canny, XDoG) and the pair-kind dispatch.
#include "ml/data/pairs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ml/data/palette.h"

namespace ganscope {
namespace {

int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

Image gray_of(const Image& image) { return image.channels == 1 ? image : to_gray(image); }

Image gray_to_rgb(const Image& gray) {
    Image out(gray.width, gray.height, 3);
    for (size_t i = 0; i < gray.pixels.size(); ++i)
        out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = gray.pixels[i];
    return out;
}

// Separable Gaussian blur of a float plane, borders clamped.
std::vector<float> gaussian_blur(const std::vector<float>& src, int w, int h, double sigma) {
    const int radius = std::max(1, int(std::ceil(3 * sigma)));
    std::vector<float> kernel(2 * radius + 1);
    double sum = 0;
    for (int i = -radius; i <= radius; ++i) sum += kernel[i + radius] = float(std::exp(-i * i / (2 * sigma * sigma)));
    for (float& k : kernel) k = float(k / sum);
    std::vector<float> tmp(src.size()), out(src.size());
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float acc = 0;
            for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * src[size_t(y) * w + clampi(x + i, 0, w - 1)];
            tmp[size_t(y) * w + x] = acc;
        }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float acc = 0;
            for (int i = -radius; i <= radius; ++i) acc += kernel[i + radius] * tmp[size_t(clampi(y + i, 0, h - 1)) * w + x];
            out[size_t(y) * w + x] = acc;
        }
    return out;
}

}  // namespace

PairKind parse_pair_kind(const std::string& name) {
    if (name == "edges") return PairKind::Edges;
    if (name == "sketch") return PairKind::Sketch;
    if (name == "ascii") return PairKind::Ascii;
    if (name == "posterize") return PairKind::Posterize;
    throw std::invalid_argument("--pairs " + name + ": use edges, sketch, ascii or posterize (or aligned / folders for paired data)");
}

const char* to_string(PairKind kind) {
    switch (kind) {
        case PairKind::Edges: return "edges";
        case PairKind::Sketch: return "sketch";
        case PairKind::Ascii: return "ascii";
        case PairKind::Posterize: return "posterize";
    }
    return "?";
}

bool pair_kind_has_colour(PairKind kind) { return kind == PairKind::Posterize; }

Image bilateral_filter(const Image& gray, int diameter, double sigma_color, double sigma_space) {
    if (gray.channels != 1) throw std::invalid_argument("bilateral_filter: expects a gray image");
    const int w = gray.width, h = gray.height, r = std::max(1, diameter / 2);
    float color_w[256];
    for (int d = 0; d < 256; ++d) color_w[d] = float(std::exp(-d * d / (2 * sigma_color * sigma_color)));
    std::vector<std::pair<int, float>> offsets;  // (dy * stride-free) offsets within the disc, spatial weight
    std::vector<std::pair<int, int>> deltas;
    std::vector<float> space_w;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx)
            if (dx * dx + dy * dy <= r * r) {
                deltas.emplace_back(dx, dy);
                space_w.push_back(float(std::exp(-(dx * dx + dy * dy) / (2 * sigma_space * sigma_space))));
            }
    Image out(w, h, 1);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int centre = gray.pixels[size_t(y) * w + x];
            float acc = 0, norm = 0;
            for (size_t i = 0; i < deltas.size(); ++i) {
                const int v = gray.pixels[size_t(clampi(y + deltas[i].second, 0, h - 1)) * w + clampi(x + deltas[i].first, 0, w - 1)];
                const float wgt = space_w[i] * color_w[std::abs(v - centre)];
                acc += wgt * v;
                norm += wgt;
            }
            out.pixels[size_t(y) * w + x] = uint8_t(std::lround(acc / norm));
        }
    return out;
}

namespace {

// Sobel magnitudes (L1, as OpenCV) and the non-maximum-suppressed ridge: mag where the pixel is a local
// maximum across the gradient and above `floor`, 0 elsewhere.
std::vector<int> canny_ridges(const Image& gray, double floor) {
    const int w = gray.width, h = gray.height;
    std::vector<int> gx(size_t(w) * h), gy(size_t(w) * h), mag(size_t(w) * h);
    auto px = [&](int x, int y) { return int(gray.pixels[size_t(clampi(y, 0, h - 1)) * w + clampi(x, 0, w - 1)]); };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int sx = (px(x + 1, y - 1) + 2 * px(x + 1, y) + px(x + 1, y + 1)) -
                           (px(x - 1, y - 1) + 2 * px(x - 1, y) + px(x - 1, y + 1));
            const int sy = (px(x - 1, y + 1) + 2 * px(x, y + 1) + px(x + 1, y + 1)) -
                           (px(x - 1, y - 1) + 2 * px(x, y - 1) + px(x + 1, y - 1));
            const size_t i = size_t(y) * w + x;
            gx[i] = sx;
            gy[i] = sy;
            mag[i] = std::abs(sx) + std::abs(sy);
        }
    // Compare along the gradient direction, quantised to 0/45/90/135 degrees.
    std::vector<int> ridge(size_t(w) * h, 0);
    const double tan22 = 0.4142135623730951, tan67 = 2.414213562373095;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            const size_t i = size_t(y) * w + x;
            const int m = mag[i];
            if (m <= floor) continue;
            const double ax = std::abs(gx[i]), ay = std::abs(gy[i]);
            int n1, n2;
            if (ay <= ax * tan22) {  // horizontal gradient: compare left and right
                n1 = mag[i - 1];
                n2 = mag[i + 1];
            } else if (ay >= ax * tan67) {  // vertical gradient
                n1 = mag[i - w];
                n2 = mag[i + w];
            } else if ((gx[i] > 0) == (gy[i] > 0)) {  // down-right diagonal
                n1 = mag[i - w - 1];
                n2 = mag[i + w + 1];
            } else {
                n1 = mag[i - w + 1];
                n2 = mag[i + w - 1];
            }
            // Ties broken one way so a two-pixel plateau keeps exactly one pixel.
            if (m > n1 && m >= n2) ridge[i] = m;
        }
    return ridge;
}

// Hysteresis: ridge pixels of at least `high` seed edges, which grow (8-neighbourhood) through ridge pixels
// above `low`. Returns 255 on edges, 0 elsewhere.
Image hysteresis(const std::vector<int>& ridge, int w, int h, double low, double high) {
    std::vector<size_t> stack;
    for (size_t i = 0; i < ridge.size(); ++i)
        if (ridge[i] && ridge[i] >= high) stack.push_back(i);
    Image out(w, h, 1, 0);
    while (!stack.empty()) {
        const size_t i = stack.back();
        stack.pop_back();
        if (out.pixels[i]) continue;
        out.pixels[i] = 255;
        const int x = int(i % w), y = int(i / w);
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const int nx = x + dx, ny = y + dy;
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                const size_t j = size_t(ny) * w + nx;
                if (ridge[j] > low && !out.pixels[j]) stack.push_back(j);
            }
    }
    return out;
}

}  // namespace

Image canny(const Image& gray, double low, double high) {
    if (gray.channels != 1) throw std::invalid_argument("canny: expects a gray image");
    // OpenCV semantics: strong above high (strictly), weak above low.
    return hysteresis(canny_ridges(gray, low), gray.width, gray.height, low, std::nextafter(high, 1e300));
}

Image edges_pair(const Image& image, const EdgeOptions& o) {
    const Image filtered = bilateral_filter(gray_of(image), o.diameter, o.sigma_color, o.sigma_space);
    // Thresholds from a median, as seed 004, but of the edge strengths (the ridge magnitudes above a noise
    // floor) rather than of the intensities: on emoji the intensity median is the white background, which
    // would put the upper threshold above every soft outline. Half of the ridge seeds edges; weaker ridge
    // pixels down to (1 - sigma) of the median join when connected to them.
    const double noise_floor = 24;  // L1 Sobel units: a 6-level step
    const std::vector<int> ridge = canny_ridges(filtered, noise_floor);
    std::vector<int> strengths;
    for (int v : ridge)
        if (v) strengths.push_back(v);
    Image edges(filtered.width, filtered.height, 1, 0);
    if (!strengths.empty()) {
        std::nth_element(strengths.begin(), strengths.begin() + strengths.size() / 2, strengths.end());
        const double median = strengths[strengths.size() / 2];
        edges = hysteresis(ridge, filtered.width, filtered.height, std::max(noise_floor, (1.0 - o.sigma) * median), median);
    }
    for (auto& p : edges.pixels) p = uint8_t(255 - p);  // black lines on white, like a drawing
    return gray_to_rgb(edges);
}

Image sketch_pair(const Image& image, const SketchOptions& o) {
    const Image gray = gray_of(image);
    const int w = gray.width, h = gray.height;
    std::vector<float> plane(gray.pixels.size());
    for (size_t i = 0; i < plane.size(); ++i) plane[i] = gray.pixels[i] / 255.0f;
    const double sigma = std::max(0.5, o.sigma * std::max(w, h) / 256.0);
    const std::vector<float> g1 = gaussian_blur(plane, w, h, sigma);
    const std::vector<float> g2 = gaussian_blur(plane, w, h, sigma * o.k);
    Image out(w, h, 1);
    for (size_t i = 0; i < plane.size(); ++i) {
        const double d = g1[i] - o.tau * g2[i];
        const double t = d >= o.epsilon ? 1.0 : 1.0 + std::tanh(o.phi * (d - o.epsilon));
        out.pixels[i] = uint8_t(std::lround(255 * std::clamp(t, 0.0, 1.0)));
    }
    return gray_to_rgb(out);
}

Image make_pair_image(const Image& image, PairKind kind, int palette_values) {
    switch (kind) {
        case PairKind::Edges: return edges_pair(image);
        case PairKind::Sketch: return sketch_pair(image);
        case PairKind::Ascii: return ascii_art(image).image;
        case PairKind::Posterize: return posterize(image, palette_values);
    }
    throw std::invalid_argument("unknown pair kind");
}

}  // namespace ganscope
