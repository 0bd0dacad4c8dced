// Shader passes that draw generated images (FloatImages) into an RGBA8 Texture through a framebuffer, so the UI
// only shows a finished texture (panels make no GL calls): DisplayPass one image pixel for pixel, GridPass a
// sample grid with gutters, hover frame, zoom and pan. Each pass saves and restores the GL state it changes.
// GL thread only.
#pragma once

#include "assets/colormaps.h"
#include "render/float_images.h"
#include "render/shader.h"
#include "render/texture.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ganscope {

// Where the cells of a sample grid are, in grid pixels: `padding` pixels of gutter before every row and
// column and after the last (as make_grid tiles). Pure.
struct GridLayout {
    int count = 0, columns = 1, cell_width = 0, cell_height = 0, padding = 2;
    int rows() const { return columns > 0 ? (count + columns - 1) / columns : 0; }
    int width() const { return padding + columns * (cell_width + padding); }
    int height() const { return padding + rows() * (cell_height + padding); }
    // The cell a point (grid pixels) falls in; -1 for a gutter or outside.
    int cell_at(float x, float y) const;
};

// What the grid pass shows of a layout: a view of `width` x `height` target pixels, `zoom` target pixels per
// grid pixel, `offset` the grid point at the view's top-left corner (the pan).
struct GridView {
    int width = 0, height = 0;
    float zoom = 1, offset_x = 0, offset_y = 0;
    int hover = -1;                           // the cell framed in `highlight`; -1 none
    float frame_px = 2;                       // the hover frame's width in target pixels
    float pixel_grid_from = 8;                // zoom from which lines between image pixels are drawn
    float background[4] = {20 / 255.f, 20 / 255.f, 20 / 255.f, 1};  // gutters and outside
    float highlight[4] = {90 / 255.f, 170 / 255.f, 1, 1};
    // Scalar maps (one-channel images): a ColorMapTexture's id, and the values at its two ends. 0: images are
    // colours in [-1, 1].
    unsigned color_map = 0;
    float low = -1, high = 1;
    // Per-cell scores as a coloured frame inside each cell's edge, `frame_px` wide (the discriminator's verdict
    // on each sample): a CellScores texture's id, the ColorMapTexture they look up, the values at its two ends.
    // 0: no frames. The hover frame is drawn over them.
    unsigned scores = 0, score_map = 0;
    float score_low = 0, score_high = 1;
    uint64_t scores_revision = 0;  // CellScores::updates(): a view with new scores is a new view
    // The zoom that fits `layout` into the view, and the offset that centres it.
    static GridView fitted(const GridLayout& layout, int width, int height);
};

// A colour map as a 256 x 1 float texture, linear between entries, for GridView::color_map.
class ColorMapTexture {
public:
    explicit ColorMapTexture(const ColorMap& map);
    ~ColorMapTexture();
    ColorMapTexture(const ColorMapTexture&) = delete;
    ColorMapTexture& operator=(const ColorMapTexture&) = delete;
    unsigned id() const { return m_texture; }
    const ColorMap& map() const { return m_map; }

private:
    const ColorMap& m_map;
    unsigned m_texture = 0;
};

// One float per cell (cell i at texel i) for GridView::scores.
class CellScores {
public:
    CellScores() = default;
    ~CellScores();
    CellScores(const CellScores&) = delete;
    CellScores& operator=(const CellScores&) = delete;
    void upload(const std::vector<float>& scores);  // throws RenderError when empty
    unsigned id() const { return m_texture; }
    int count() const { return m_count; }
    uint64_t updates() const { return m_updates; }

private:
    unsigned m_texture = 0;
    int m_count = 0;
    uint64_t m_updates = 0;
};

class ImagePass {
public:
    ImagePass(const ImagePass&) = delete;
    ImagePass& operator=(const ImagePass&) = delete;
    ~ImagePass();

protected:
    ImagePass() = default;
    // begin: saves the GL state, points the framebuffer at `target` (allocated to width x height), uses
    // `program` with `images` on unit 0; the caller sets its uniforms; end: draws one triangle over the target,
    // restores the state and counts the target's update.
    void begin(const ShaderProgram& program, const FloatImages& images, Texture& target, int width, int height);
    void end(Texture& target);

private:
    void restore();

    unsigned m_fbo = 0, m_vao = 0;
    int m_saved[19] = {};
};

// One image (a layer of `images`) to its colours, pixel for pixel, into `target` (resized to the image).
class DisplayPass : public ImagePass {
public:
    DisplayPass();  // throws RenderError naming shaders/FILE:LINE
    void draw(const FloatImages& images, int layer, Texture& target);

private:
    ShaderProgram m_program;
    int m_layer = -1, m_channels = -1, m_height = -1, m_image = -1;
};

// The sample grid of `images` (layer i in cell i) seen through `view`, into `target` (resized to the view):
// nearest filtering with a pixel grid when zoomed in, an area filter when smaller than 1:1. Each combination of
// those, gray or colour-mapped images and score frames is its own variant of shaders/grid.frag, compiled at its
// first use (see the file's head: a software rasteriser pays for every branch on every pixel).
class GridPass : public ImagePass {
public:
    GridPass();  // compiles the common variant now, so a broken shader fails here: RenderError, shaders/FILE:LINE
    ~GridPass();
    void draw(const FloatImages& images, const GridLayout& layout, const GridView& view, Texture& target);
    // The names defined for the variant that draws `view` of `images` ("MINIFIED", "SCORED", ...).
    static std::vector<std::string> variant_of(const FloatImages& images, const GridView& view);
    size_t variants() const { return m_variants.size(); }  // compiled so far

private:
    const ShaderProgram& variant(const std::vector<std::string>& defines);
    std::map<std::vector<std::string>, ShaderProgram> m_variants;
    unsigned m_linear = 0;  // a sampler object: bilinear at level 0, for the MINIFIED variant's taps
};

}  // namespace ganscope
