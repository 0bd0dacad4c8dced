// Automatic image pairs for pix2pix from any RGB image: edges (seed 004), sketch (XDoG, seed 002), ASCII art
// (seed 000) and posterized colour (seed 004). Pure C++ on Images; thread-safe (the loader's workers call them).
#pragma once

#include <string>
#include <vector>

#include "ml/data/image.h"

namespace ganscope {

enum class PairKind { Edges, Sketch, Ascii, Posterize };
// "edges", "sketch", "ascii", "posterize"; throws std::invalid_argument naming the value otherwise.
PairKind parse_pair_kind(const std::string& name);
const char* to_string(PairKind kind);
// Whether the derived side has colour (posterize) or is black on white (edges, sketch, ASCII).
bool pair_kind_has_colour(PairKind kind);

// Edge-preserving smoothing of an 8-bit gray image (OpenCV's bilateralFilter semantics: a square window of
// `diameter`, Gaussian weights in space and in intensity).
Image bilateral_filter(const Image& gray, int diameter, double sigma_color, double sigma_space);
// Canny on an 8-bit gray image: 3x3 Sobel, L1 magnitude, non-maximum suppression, hysteresis between
// low and high (in L1 Sobel units, as OpenCV). Returns 255 on edges, 0 elsewhere.
Image canny(const Image& gray, double low, double high);

struct EdgeOptions {
    int diameter = 5;
    double sigma_color = 60, sigma_space = 120;
    double sigma = 0.33;  // hysteresis between (1 - sigma) * median and the median of the edge strengths
};
// Black edges on white, RGB: bilateral filter, then Canny with thresholds from the median edge strength.
Image edges_pair(const Image& image, const EdgeOptions& options = {});

struct SketchOptions {
    double sigma = 0.7;    // inner Gaussian, in pixels at 256 px; scaled with the image
    double k = 1.6;        // outer Gaussian = k * sigma
    double tau = 0.98;     // weight of the outer Gaussian
    double epsilon = 0.01; // threshold on the difference (image in [0, 1])
    double phi = 200;      // softness of the threshold
};
// eXtended Difference of Gaussians on the grayscale image: dark lines on white, RGB.
Image sketch_pair(const Image& image, const SketchOptions& options = {});

struct AsciiOptions {
    int cell_width = 0;    // pixels per character; 0: max(4, width / 32)
    std::string font_path;  // empty: the monospace font assets/fonts.h finds
};
struct AsciiArt {
    std::vector<std::string> lines;  // the text: one string per row of cells
    Image image;                     // the glyphs drawn black on white, RGB, the input's size
    std::string text() const;        // lines joined with '\n' (and a final '\n')
};
// Each cell replaced by the printable ASCII glyph (32..126) whose rendered coverage, over a 2x2 split of
// the cell, best matches the cell's darkness. Glyphs are rendered with the monospace font through FreeType.
// Throws std::runtime_error naming the font file when it cannot be loaded.
AsciiArt ascii_art(const Image& image, const AsciiOptions& options = {});

// The derived side of an automatic pair (RGB, the input's size).
Image make_pair_image(const Image& image, PairKind kind, int palette_values = 4);

}  // namespace ganscope
