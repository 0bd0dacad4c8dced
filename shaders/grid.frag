#version 330 core
// The sample grid from a texture array (layer i in cell i, planar floats in [-1, 1], see display.frag): gutters,
// a frame around the hovered cell, nearest filtering with lines between pixels when zoomed in, an area filter
// (bilinear taps over the pixel's footprint) when smaller than 1:1. Zoom and pan are the view's: target pixel p shows grid point u_offset + p / u_zoom.
// Row 0 of the target is the grid's top. With MAPPED, one-channel images are scalar maps: (v - low) / (high -
// low) looks up a colour map (a 256 x 1 table, sampled linearly between entries' centres). With SCORED, each
// cell gets a frame in the colour of its score (the discriminator's verdict), under the hover frame.
//
// Variants, not branches on uniforms: a software rasteriser (llvmpipe) runs every side of a branch for every
// pixel, so GridPass compiles this file once per combination it draws with these names defined:
//   MINIFIED    the view is smaller than 1:1: bilinear taps over the footprint (else nearest texel fetches)
//   PIXEL_GRID  zoomed in far enough for lines between image pixels
//   GRAY        one-channel images as gray;  MAPPED  one-channel images through a colour map
//   SCORED      a coloured frame per cell from its score

uniform sampler2DArray u_images;
uniform int u_count;
uniform int u_columns;
uniform int u_padding;
uniform ivec2 u_cell;    // one image's width and height (pixels)
uniform int u_channels;  // 1 or 3
uniform float u_zoom;    // target pixels per grid pixel
uniform vec2 u_offset;   // grid point at the target's top-left
uniform int u_hover;     // framed cell, -1 none
uniform float u_frame;   // frame width, target pixels
uniform vec4 u_background;
uniform vec4 u_highlight;
#ifdef MAPPED
uniform sampler2D u_lut;
uniform vec2 u_range;  // low, high of a scalar map
#endif
#ifdef SCORED
uniform sampler2D u_scores;    // count x 1: cell i's score at texel i
uniform sampler2D u_score_lut; // the scores' colour map
uniform vec2 u_score_range;    // the scores at the map's two ends
#endif

out vec4 colour;

float unit(float v) { return clamp((v + 1.0) * 0.5, 0.0, 1.0); }

// Entry t in [0, 1] of a 256-entry colour map, linear between entries' centres.
vec3 lookup(sampler2D lut, float t) { return texture(lut, vec2((clamp(t, 0.0, 1.0) * 255.0 + 0.5) / 256.0, 0.5)).rgb; }

// Channel c of layer `layer` at `local` (image pixels, top-left origin).
float channel(int layer, int c, vec2 local) {
#ifndef MINIFIED
    ivec2 t = clamp(ivec2(floor(local)), ivec2(0), u_cell - 1);
    return texelFetch(u_images, ivec3(t.x, t.y + c * u_cell.y, layer), 0).r;
#else
    // Smaller than 1:1: four bilinear taps spread over the target pixel's footprint (1 / zoom texels a side), an
    // area filter without a mip chain (building one over a 64-layer array costs llvmpipe ~29 ms a publish). The
    // taps stay inside their own image, so no plane bleeds into the next.
    float footprint = 1.0 / u_zoom;
    vec2 size = vec2(textureSize(u_images, 0).xy);
    float sum = 0.0;
    for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 2; ++i) {
            vec2 p = clamp(local + (vec2(i, j) - 0.5) * 0.5 * footprint, vec2(0.5), vec2(u_cell) - 0.5);
            sum += textureLod(u_images, vec3(vec2(p.x, p.y + float(c * u_cell.y)) / size, float(layer)), 0.0).r;
        }
    return 0.25 * sum;
#endif
}

void main() {
    vec2 g = u_offset + gl_FragCoord.xy / u_zoom;
    vec2 pitch = vec2(u_cell + u_padding);
    vec2 q = g - float(u_padding);
    ivec2 cr = ivec2(floor(q / pitch));
    vec2 local = q - vec2(cr) * pitch;
    int index = cr.y * u_columns + cr.x;
    bool inside = q.x >= 0.0 && q.y >= 0.0 && cr.x < u_columns && local.x < float(u_cell.x) &&
                  local.y < float(u_cell.y) && index < u_count;
    if (!inside) {
        colour = u_background;
        return;
    }
    vec2 edge = min(local, vec2(u_cell) - local) * u_zoom;
    bool on_frame = min(edge.x, edge.y) < u_frame;
    if (on_frame && index == u_hover) {
        colour = u_highlight;
        return;
    }
#ifdef SCORED
    if (on_frame) {
        float s = texelFetch(u_scores, ivec2(index, 0), 0).r;
        colour = vec4(lookup(u_score_lut, (s - u_score_range.x) / (u_score_range.y - u_score_range.x)), 1.0);
        return;
    }
#endif
#if defined(MAPPED)
    vec3 rgb = lookup(u_lut, (channel(index, 0, local) - u_range.x) / (u_range.y - u_range.x));
#elif defined(GRAY)
    vec3 rgb = vec3(unit(channel(index, 0, local)));
#else
    vec3 rgb = vec3(unit(channel(index, 0, local)), unit(channel(index, 1, local)), unit(channel(index, 2, local)));
#endif
#ifdef PIXEL_GRID
    vec2 within = fract(local) * u_zoom;
    if (min(within.x, within.y) < 1.0) rgb *= 0.75;
#endif
    colour = vec4(rgb, 1.0);
}
