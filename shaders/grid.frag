// The sample grid from a texture array (layer i in cell i, planar floats in [-1, 1], see display.frag): gutters,
// a frame around the hovered cell, nearest filtering with lines between pixels when zoomed in, the mip chain
// when smaller than 1:1. Zoom and pan are the view's: target pixel p shows grid point u_offset + p / u_zoom.
// Row 0 of the target is the grid's top. With u_mapped, one-channel images are scalar maps: (v - low) / (high -
// low) looks up a colour map (a 256 x 1 table, sampled linearly between entries' centres).
#version 330 core

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
uniform float u_pixel_grid_from;
uniform vec4 u_background;
uniform vec4 u_highlight;
uniform bool u_mapped;
uniform sampler2D u_lut;
uniform vec2 u_range;  // low, high of a scalar map

out vec4 colour;

float unit(float v) { return clamp((v + 1.0) * 0.5, 0.0, 1.0); }

// Channel c of layer `layer` at `local` (image pixels, top-left origin).
float channel(int layer, int c, vec2 local) {
    if (u_zoom >= 1.0) {
        ivec2 t = clamp(ivec2(floor(local)), ivec2(0), u_cell - 1);
        return texelFetch(u_images, ivec3(t.x, t.y + c * u_cell.y, layer), 0).r;
    }
    // Smaller than 1:1: trilinear from the mip chain; keep the sample inside its own plane's rows.
    float lod = log2(1.0 / u_zoom);
    float half_texel = 0.5 * exp2(ceil(lod));
    float y = clamp(local.y, half_texel, float(u_cell.y) - half_texel) + float(c * u_cell.y);
    vec2 uv = vec2(local.x / float(u_cell.x), y / float(u_channels * u_cell.y));
    return textureLod(u_images, vec3(uv, float(layer)), lod).r;
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
    if (index == u_hover) {
        vec2 edge = min(local, vec2(u_cell) - local) * u_zoom;
        if (min(edge.x, edge.y) < u_frame) {
            colour = u_highlight;
            return;
        }
    }
    vec3 rgb;
    if (u_mapped) {
        float t = clamp((channel(index, 0, local) - u_range.x) / (u_range.y - u_range.x), 0.0, 1.0);
        rgb = texture(u_lut, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
    } else if (u_channels == 3)
        rgb = vec3(unit(channel(index, 0, local)), unit(channel(index, 1, local)), unit(channel(index, 2, local)));
    else
        rgb = vec3(unit(channel(index, 0, local)));
    if (u_zoom >= u_pixel_grid_from) {
        vec2 within = fract(local) * u_zoom;
        if (min(within.x, within.y) < 1.0) rgb *= 0.75;
    }
    colour = vec4(rgb, 1.0);
}
