// One generated image to colour: the generator's planar floats in [-1, 1] (one layer of a texture array, its
// C planes of H rows stacked) to RGBA. The values are sRGB-encoded already (the training images were), so the
// colour is (v + 1) / 2 written to an RGBA8 target: the one conversion of every path (CPU upload, CUDA copy).
// Draws into a target of the image's size, pixel for pixel; row 0 of the target is the image's top row.
#version 330 core

uniform sampler2DArray u_image;
uniform int u_layer;     // which image of the array
uniform int u_channels;  // 1 (gray) or 3 (RGB)
uniform int u_height;    // rows of one plane

out vec4 colour;

float unit(float v) { return clamp((v + 1.0) * 0.5, 0.0, 1.0); }

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    float r = texelFetch(u_image, ivec3(p.x, p.y, u_layer), 0).r;
    if (u_channels == 3) {
        float g = texelFetch(u_image, ivec3(p.x, p.y + u_height, u_layer), 0).r;
        float b = texelFetch(u_image, ivec3(p.x, p.y + 2 * u_height, u_layer), 0).r;
        colour = vec4(unit(r), unit(g), unit(b), 1.0);
    } else {
        colour = vec4(vec3(unit(r)), 1.0);
    }
}
