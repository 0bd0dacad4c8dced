// The window, headless: a tiny model trains behind it; the screenshot is not blank, the sample-grid texture
// read back is exactly the generator's output for the fixed latents, the explorer shows G(z), --open works,
// bad latent text and files are reported in the panel.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/models/latent.h"
#include "ml/run/module_io.h"
#include "ml/test_util.h"
#include "render/texture.h"
#include "viewer/window/app.h"
#include "viewer/widgets/tensor_texture.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

TrainConfig tiny_config(const std::string& data) { return tiny_dcgan_config(data, 5, 5); }



torch::Tensor generate(const WeightsSnapshot& w, const torch::Tensor& z) {
    DcganGenerator g(w.config.image_size, w.config.latent_dim, w.config.g_width);
    assign_named_tensors(*g, w.tensors, "test");
    g->eval();
    torch::NoGradGuard no_grad;
    return g->forward(z);
}

}  // namespace

TEST_CASE("headless window: screenshot not blank, grid and explorer textures equal the generator's output") {
    AppOptions o;
    o.headless = true;
    o.width = 1024;
    o.height = 640;
    o.trainer.config = tiny_config(test::synthetic_folder("viewer_app", 24));
    o.trainer.start_paused = true;  // step 0 stays put: the grid and the weights snapshot describe one generator
    App app(o);
    REQUIRE(frames_until(app, [&] {
        return app.samples().grid().step == 0 && app.explorer().model().image.ready() && app.model().status &&
               app.model().status->state == TrainerState::Paused;
    }));
    for (int i = 0; i < 5; ++i) app.frame();
    auto weights = app.source().weights().latest();
    REQUIRE(weights);
    CHECK(weights->step == 0);

    // The sample grid: fixed latents -> G -> grid, as bytes, against the texture read back from GL.
    const TrainConfig& c = weights->config;
    auto fixed = make_fixed_latents(c.grid_count, c.latent_dim, c.seed);
    CHECK(torch::equal(app.samples().grid().latents, fixed));
    auto expected = expected_rgba(grid_image(generate(*weights, fixed), 3, 2));
    // A publish only uploads the floats: nothing showed the whole grid at 1:1 yet, so it was not drawn.
    CHECK(app.samples().texture().empty());
    auto texture = app.samples().whole_texture().read_rgba8();
    CHECK(app.samples().texture().width() == 3 * 16 + 4 * 2);
    CHECK(max_difference(texture, expected) <= 1);  // one step of rounding where float sums differ in order
    std::set<uint32_t> colours;
    for (size_t i = 0; i < texture.size(); i += 4) colours.insert(texture[i] << 16 | texture[i + 1] << 8 | texture[i + 2]);
    // Cells differ from the padding backdrop (a fresh DCGAN's outputs sit near grey, so few colours yet).
    CHECK(colours.size() >= 3);
    CHECK(colours.count(20u << 16 | 20u << 8 | 20u) == 1);

    // The Samples panel's view: the grid shader's fitted view of the same images, each cell's centre pixel
    // equal to the 1:1 grid's (the panel is larger than the grid, so the view magnifies with nearest sampling).
    const GridModel& grid = app.samples().grid();
    REQUIRE(grid.view_image.ready());
    CHECK(grid.view_image.width == grid.view.width);
    CHECK(grid.view_image.height == grid.view.height);
    REQUIRE(grid.view.zoom >= 1);
    const auto view = app.samples().texture().view_texture().read_rgba8();
    const GridLayout& layout = app.samples().texture().layout();
    int worst = 0;
    for (int i = 0; i < layout.count; ++i) {
        const int gx = layout.padding + (i % layout.columns) * (layout.cell_width + layout.padding) + layout.cell_width / 2;
        const int gy = layout.padding + (i / layout.columns) * (layout.cell_height + layout.padding) + layout.cell_height / 2;
        const int vx = int((gx + 0.5f - grid.view.offset_x) * grid.view.zoom);
        const int vy = int((gy + 0.5f - grid.view.offset_y) * grid.view.zoom);
        REQUIRE((vx >= 0 && vy >= 0 && vx < grid.view.width && vy < grid.view.height));
        for (int k = 0; k < 3; ++k)
            worst = std::max(worst, std::abs(int(view[(size_t(vy) * grid.view.width + vx) * 4 + k]) -
                                             int(texture[(size_t(gy) * layout.width() + gx) * 4 + k])));
    }
    CHECK(worst == 0);

    // The explorer shows G(explorer latent) from the worker's own generator copy.
    auto z = explorer_latent(app.explorer().model());
    auto explorer = app.explorer().texture().texture().read_rgba8();
    CHECK(max_difference(explorer, expected_rgba(generate(*weights, z.unsqueeze(0))[0])) <= 1);
    // Both single-image paths show the same bytes: here (llvmpipe) the App picked the CPU conversion; the display
    // shader, the path of every hardware renderer, draws the next explorer image.
    CHECK(single_image_path() == (is_software_renderer(app.context().info().renderer) ? SingleImagePath::CpuConversion
                                                                                      : SingleImagePath::Shader));
    set_single_image_path(SingleImagePath::Shader);
    const unsigned before = app.explorer().texture().texture().id();  // two textures take turns
    app.explorer().model().pad[0] = 0.5f;
    app.explorer().model().revision++;
    REQUIRE(frames_until(app, [&] { return app.explorer().texture().texture().id() != before; }));
    for (int i = 0; i < 10; ++i) app.frame();  // the edit's one request is answered and shown
    const auto z2 = explorer_latent(app.explorer().model());
    CHECK(max_difference(app.explorer().texture().texture().read_rgba8(), expected_rgba(generate(*weights, z2.unsqueeze(0))[0])) <= 1);
    set_single_image_path(SingleImagePath::CpuConversion);

    // The screenshot: the whole UI, not blank.
    std::string shot = work_dir("app") + "/window.png";
    app.save_screenshot(shot);
    int w = 0, h = 0;
    auto pixels = read_png_rgba(shot, w, h);
    CHECK(w == 1024);
    CHECK(h == 640);
    std::set<uint32_t> screen_colours;
    size_t bright = 0;
    for (size_t i = 0; i < pixels.size(); i += 4) {
        screen_colours.insert(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
        if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 300) ++bright;
    }
    CHECK(screen_colours.size() > 200);
    CHECK(bright > 2000);  // text and images, not just the dark theme

    // Training from the panel's intents: a single step moves the trainer and the grid follows.
    app.training().intents().add({RunCommand::Kind::Step, 5});
    // The grid and the status come through separate slots, so one may reach the UI a frame before the other.
    REQUIRE(frames_until(app, [&] { return app.samples().grid().step == 5 && app.model().status && app.model().status->step == 5; }));
    CHECK(app.curves().metrics().records().size() >= 4);
}

TEST_CASE("headless window explores a checkpoint (--open); a bad checkpoint is a message, not a crash") {
    std::string dir = work_dir("open");
    {
        TrainerOptions t;
        t.config = tiny_config(test::synthetic_folder("viewer_open", 16));
        t.config.steps = 3;
        t.run_dir = dir + "/run";
        Trainer trainer(t);
        REQUIRE(trainer.wait(std::chrono::seconds(120)));
    }
    AppOptions o;
    o.headless = true;
    o.width = 800;
    o.height = 500;
    o.mode = AppOptions::Mode::Open;
    o.checkpoint = dir + "/run/checkpoint.pt";
    {
        App app(o);
        CHECK_FALSE(app.source().capabilities().commands);
        CHECK(app.samples().grid().step == -1);  // opened on the source's thread: the window does not wait for it
        REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready(); }));
        CHECK(app.samples().grid().step == 3);
        app.frame();
        CHECK(app.samples().grid().view_image.ready());
        CHECK(app.explorer().model().weights_step == 3);
        CHECK(app.curves().metrics().records().size() == 3);  // the run's metrics.jsonl, for the curves
        CHECK(app.curves().metrics().records().back().step == 3);
        // What the user makes of the run goes into its folder, named in full (not the current directory).
        const std::string run = std::filesystem::absolute(dir + "/run").lexically_normal().string();
        CHECK(app.record().model().grid_path == run + "/timelapse.mp4");
        CHECK(app.record().model().walk_path == run + "/walk.mp4");
        CHECK(app.screenshot_folder() == run + "/screenshots");
    }
    o.checkpoint = dir + "/missing.pt";
    App broken(o);
    REQUIRE(frames_until(broken, [&] { return broken.model().source.find("could not open") != std::string::npos; }));
    CHECK(broken.model().notice.find("missing.pt") != std::string::npos);
}

TEST_CASE("bad latent text or file is reported in the explorer and the latent is kept") {
    std::string dir = work_dir("latents");
    AppOptions o;
    o.headless = true;
    o.width = 800;
    o.height = 500;
    o.trainer.config = tiny_config(test::synthetic_folder("viewer_latents", 16));
    o.trainer.start_paused = true;
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready(); }));
    auto& e = app.explorer().model();
    auto before = e.base.clone();
    e.paste_text = "1, 2, oops";
    e.apply_text = true;
    app.frame();
    CHECK(e.message.find("'oops'") != std::string::npos);
    CHECK(torch::equal(e.base, before));

    e.file_path = dir + "/z.txt";
    e.save_file = true;
    app.frame();
    CHECK(std::filesystem::exists(e.file_path));
    e.base = torch::zeros({16});
    e.load_file = true;
    app.frame();
    CHECK(torch::allclose(e.base, before, 1e-5, 1e-5));

    std::ofstream(dir + "/short.txt") << "1, 2, 3";
    e.file_path = dir + "/short.txt";
    e.load_file = true;
    app.frame();
    CHECK(e.message.find("short.txt") != std::string::npos);
    CHECK(torch::allclose(e.base, before, 1e-5, 1e-5));
}

TEST_CASE("the dataset tab shows the real images; the walk and interpolation views render") {
    std::string dir = work_dir("screens");
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_config(test::synthetic_folder("viewer_screens", 12));
    o.trainer.start_paused = true;
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.interpolation().model().strip.ready(); }));
    app.save_screenshot(dir + "/interpolation.png");

    app.model().samples_tab = 1;
    REQUIRE(frames_until(app, [&] { return app.dataset().model().real.ready(); }));
    app.frame();
    app.save_screenshot(dir + "/dataset.png");
    CHECK(app.dataset().model().pages == 2);  // 12 images, 9 a page (the grid's count)
    // The page holds the first 9 images of the folder in the source's order, centre-cropped to 16 px.
    auto source = open_source(o.trainer.config.data, o.trainer.config.background);
    auto transform = center_crop_transform(16);
    std::mt19937 rng(1);
    std::vector<torch::Tensor> reals;
    for (size_t i = 0; i < 9; ++i) reals.push_back(transform(source->load(i), rng).target);
    auto expected = expected_rgba(grid_image(torch::stack(reals), 3, 2));
    CHECK(max_difference(app.dataset().texture().texture().read_rgba8(), expected) <= 1);

    app.interpolation().model().walk = true;
    uint64_t updates = 0;
    REQUIRE(frames_until(app, [&] {
        updates = app.interpolation().walk_texture().texture().updates();
        return updates >= 5;
    }));
    app.save_screenshot(dir + "/walk.png");
    CHECK(app.interpolation().model().walk_image.ready());
}
