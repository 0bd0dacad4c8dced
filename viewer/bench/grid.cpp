// `ganscope bench grid`: publishing and showing a sample grid, today's path against the shader path, in one run
// (interleaved rounds), printing `ratio: X` (old ms / new ms) last. Headless EGL; GL thread = main thread.
//   old: make_grid on the CPU, the [-1, 1] -> RGBA8 loop into a pixel buffer, the tiled texture scaled into the
//        panel's view (a linear blit, what ImGui's textured quad does)
//   new: the N x C x H x W floats in one pixel-buffer copy into the texture array, then the grid shader at the
//        panel's view (zoom, hover frame); the mip chain only when the view is smaller than 1:1
// Rounds alternate which path goes first; the figure is the median of the rounds' ratios (old ms / new ms).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "ml/data/tensor_image.h"
#include "render/gl_check.h"
#include "render/gl_context.h"
#include "render/image_passes.h"
#include "render/texture.h"
#include "viewer/bench/bench.h"
#include "viewer/widgets/tensor_texture.h"

namespace ganscope {
namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The old path's "show": the tiled RGBA8 texture scaled into a view-sized texture.
struct Blit {
    unsigned read = 0, draw = 0;
    Blit() {
        glGenFramebuffers(1, &read);
        glGenFramebuffers(1, &draw);
    }
    ~Blit() {
        glDeleteFramebuffers(1, &read);
        glDeleteFramebuffers(1, &draw);
    }
    void scale(const Texture& from, Texture& to, int width, int height) {
        to.allocate(width, height);
        GANSCOPE_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, read));
        GANSCOPE_GL_CHECK(glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, from.id(), 0));
        GANSCOPE_GL_CHECK(glBindFramebuffer(GL_DRAW_FRAMEBUFFER, draw));
        GANSCOPE_GL_CHECK(glFramebufferTexture2D(GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, to.id(), 0));
        GANSCOPE_GL_CHECK(glBlitFramebuffer(0, 0, from.width(), from.height(), 0, 0, width, height,
                                            GL_COLOR_BUFFER_BIT, GL_LINEAR));
        GANSCOPE_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, 0));
        to.mark_updated();
    }
};

}  // namespace

int bench_grid(const Args& args) {
    const int count = args.get_int("count", 64), size = args.get_int("size", 64);
    const int view_w = args.get_int("view-width", 600), view_h = args.get_int("view-height", 600);
    const int reps = args.get_int("reps", 20), rounds = args.get_int("rounds", 5);
    if (count < 1 || size < 4 || reps < 1 || rounds < 1) throw UsageError("--count, --size, --reps, --rounds too small");
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = view_w;
    options.height = view_h;
    auto context = create_context(options);
    std::printf("GL: %s on %s\n", context->info().version.c_str(), context->info().renderer.c_str());
    std::printf("%d images of 3 x %d x %d, a %dx%d view, %d publishes per round, %d rounds\n", count, size, size,
                view_w, view_h, reps, rounds);

    torch::manual_seed(1);
    std::vector<torch::Tensor> batches;
    for (int i = 0; i < 4; ++i) batches.push_back(torch::rand({count, 3, size, size}) * 2 - 1);
    const int columns = display_grid_columns(count, false), padding = kDisplayPadding;

    // Old: tile, convert, upload, show.
    Texture tiled[2], old_view;
    Blit blit;
    int flip = 0;
    auto old_publish = [&](const torch::Tensor& images) {
        torch::Tensor grid = grid_image(images, columns, padding);
        Texture& t = tiled[flip ^= 1];
        t.upload_chw(grid.data_ptr<float>(), int(grid.size(0)), int(grid.size(1)), int(grid.size(2)));
        blit.scale(t, old_view, view_w, view_h);
    };
    // New: floats as they are, the grid shader once, at the view.
    GridTexture grid_texture;
    GridLayout layout;
    layout.count = count;
    layout.columns = columns;
    layout.padding = padding;
    auto new_publish = [&](const torch::Tensor& images) {
        grid_texture.update(images, layout);
        GridView view = GridView::fitted(grid_texture.layout(), view_w, view_h);
        view.hover = 5;
        grid_texture.show(view);
    };
    auto time_path = [&](auto&& publish) {
        publish(batches[0]);
        glFinish();
        const double t0 = now_ms();
        for (int i = 0; i < reps; ++i) publish(batches[size_t(i) % batches.size()]);
        glFinish();  // the GPU (llvmpipe: the CPU) finished drawing
        return (now_ms() - t0) / reps;
    };
    std::vector<double> olds, news, ratios;
    for (int round = 0; round < rounds; ++round) {
        double old_ms = 0, new_ms = 0;
        if (round % 2 == 0) {
            old_ms = time_path(old_publish);
            new_ms = time_path(new_publish);
        } else {
            new_ms = time_path(new_publish);
            old_ms = time_path(old_publish);
        }
        std::printf("round %d: old %.2f ms, new %.2f ms per publish and show (ratio %.2f)\n", round + 1, old_ms,
                    new_ms, old_ms / new_ms);
        olds.push_back(old_ms);
        news.push_back(new_ms);
        ratios.push_back(old_ms / new_ms);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const size_t n = v.size();
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    };
    const GridView fitted = GridView::fitted(grid_texture.layout(), view_w, view_h);
    std::printf("view zoom %.3f (%s)\n", fitted.zoom,
                fitted.zoom < 1 ? "smaller than 1:1: the area filter's taps" : "1:1 or larger: nearest");
    std::printf("old (make_grid + CPU conversion + scaled texture): median %.2f ms\n", median(olds));
    std::printf("new (float upload + grid shader at the view): median %.2f ms\n", median(news));
    std::printf("ratio: %.2f\n", median(ratios));
    return 0;
}

}  // namespace ganscope
