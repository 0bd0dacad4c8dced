// Inspect: the worker's feature maps equal the generator's own intermediate activations; in the window the
// maps are computed only while the panel is visible, and its tiles are the channels through the colour map; the
// discriminator's verdicts frame the Samples grid's cells (DCGAN); pix2pix's PatchGAN and error maps.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <imgui.h>
#include <imgui_internal.h>

#include "assets/colormaps.h"
#include "ml/models/dcgan.h"
#include "ml/models/inspect.h"
#include "ml/run/module_io.h"
#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "viewer/features/inspect/inspect_worker.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

TEST_CASE("the Inspect worker's feature maps equal the generator's own intermediate activations") {
    torch::manual_seed(4);
    TrainConfig c;
    c.image_size = 16;
    c.latent_dim = 8;
    c.g_width = 4;
    DcganGenerator g(c.image_size, c.latent_dim, c.g_width);
    dcgan_init_weights(*g);
    g->eval();
    auto weights = std::make_shared<WeightsSnapshot>();
    weights->step = 7;
    weights->config = c;
    weights->tensors = clone_named_tensors(*g);
    torch::Tensor z = torch::randn({c.latent_dim});

    InspectWorker worker;
    InspectRequest r;
    r.weights = weights;
    r.latent = z;
    const uint64_t id = worker.request(r);
    std::shared_ptr<const InspectMaps> maps;
    uint64_t seen = 0;
    for (int i = 0; i < 500 && !(maps && maps->request == id); ++i) {
        worker.result().fetch_if_newer(seen, maps);
        if (!maps) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(maps);
    CHECK(worker.error().empty());
    CHECK(maps->step == 7);
    // 16x16: ConvT+BN+ReLU at 4x4 and 8x8, then ConvT+Tanh to the image.
    REQUIRE(maps->layers.size() == 3);
    torch::NoGradGuard no_grad;
    namespace nn = torch::nn;
    torch::Tensor x = z.view({1, -1, 1, 1});
    for (int b = 0; b < 2; ++b) {
        x = g->net->ptr(size_t(3 * b))->as<nn::ConvTranspose2dImpl>()->forward(x);
        x = g->net->ptr(size_t(3 * b + 1))->as<nn::BatchNorm2dImpl>()->forward(x);
        x = torch::relu(x);
        CAPTURE(b);
        CHECK(maps->layers[size_t(b)].maps.sizes() == x[0].sizes());
        CHECK(torch::allclose(maps->layers[size_t(b)].maps, x[0], 1e-5, 1e-6));
    }
    CHECK(maps->layers[0].name == "block 1: ConvTranspose2d 8 x 4 x 4");
    CHECK(maps->layers[1].name == "block 2: ConvTranspose2d 4 x 8 x 8");
    CHECK(torch::allclose(maps->layers[2].maps, g->forward(z.view({1, -1}))[0], 1e-5, 1e-6));
    CHECK(maps->layers[2].maps.size(0) == 3);
    CHECK(maps->verdicts.empty());  // no grid was sent
    CHECK(maps->grid_step == -1);
}

namespace {

void bring_to_front(const char* title) {  // as a click on the tab does
    ImGuiWindow* w = ImGui::FindWindowByName(title);
    REQUIRE(w);
    REQUIRE(w->DockNode);
    w->DockNode->TabBar->NextSelectedTabId = w->TabId;
}

}  // namespace

TEST_CASE("the Inspect panel works only while visible; its tiles are the channels through the colour map") {
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_dcgan_config(synthetic_folder("viewer_inspect", 16), 5, 3);
    o.trainer.start_paused = true;
    o.trainer.run_dir = work_dir("inspect_run");
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready() && app.samples().grid().step >= 0; }));
    for (int i = 0; i < 10; ++i) app.frame();
    CHECK(app.inspect().maps() == nullptr);  // a tab behind Interpolation: nothing computed

    bring_to_front("Inspect");
    REQUIRE(frames_until(app, [&] { return app.inspect().maps() != nullptr && app.inspect().model().tiles.ready(); }, 60));
    const InspectModel& m = app.inspect().model();
    CHECK(m.layers.size() == 3);
    CHECK(m.layer == 0);
    CHECK(m.color_map == "lumen");  // ReLU outputs
    const torch::Tensor& maps = app.inspect().maps()->layers[0].maps;
    CHECK(m.count == maps.size(0));
    CHECK(m.high == doctest::Approx(maps.max().item<float>()));
    auto tiles = app.inspect().tiles().texture().read_rgba8();
    const GridLayout& tl = app.inspect().tiles().layout();
    const ColorMap& lumen = color_map("lumen");
    int worst = 0;
    for (int ch = 0; ch < m.count; ++ch)
        for (int y = 0; y < m.cell; ++y)
            for (int x = 0; x < m.cell; ++x) {
                const int px = tl.padding + (ch % tl.columns) * (m.cell + tl.padding) + x;
                const int py = tl.padding + (ch / tl.columns) * (m.cell + tl.padding) + y;
                auto want = sample(lumen, (maps[ch][y][x].item<float>() - m.low) / (m.high - m.low));
                for (int k = 0; k < 3; ++k)
                    worst = std::max(worst, std::abs(int(tiles[(size_t(py) * tl.width() + px) * 4 + k]) -
                                                     int(std::lround(want[k] * 255))));
            }
    CHECK(worst <= 1);
}


TEST_CASE("Inspect: the discriminator's verdict on each grid cell frames the Samples view and shows on hover") {
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_dcgan_config(synthetic_folder("viewer_inspect_d", 16), 5, 3);
    o.trainer.start_paused = true;  // step 0: the grid and the snapshot are of one generator and one discriminator
    o.trainer.run_dir = work_dir("inspect_d_run");
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready() && app.samples().grid().step >= 0; }));
    for (int i = 0; i < 5; ++i) app.frame();
    const GridModel& grid = app.samples().grid();
    CHECK(grid.verdicts.empty());  // Inspect behind Interpolation: nothing judged, no frames
    CHECK(grid.view.scores == 0);

    bring_to_front("Inspect");
    const InspectModel& m = app.inspect().model();
    REQUIRE(frames_until(app, [&] { return !grid.verdicts.empty() && grid.view_image.ready(); }, 60));
    auto weights = app.source().weights().latest();
    REQUIRE(weights);
    REQUIRE_FALSE(weights->discriminator.empty());
    REQUIRE(m.grid_step == grid.step);
    REQUIRE(int(grid.verdicts.size()) == grid.count);
    CHECK(m.probabilities);  // the default BCE loss: D's output is a logit, the verdict a probability

    // The verdicts equal the snapshot's discriminator on the grid's own images.
    auto samples = app.source().samples().latest();
    REQUIRE(samples);
    SnapshotDiscriminator d(*weights);
    const torch::Tensor want = d.verdicts(samples->images.to(torch::kCPU));
    for (int i = 0; i < grid.count; ++i) CHECK(grid.verdicts[size_t(i)] == doctest::Approx(want[i].item<float>()).epsilon(1e-5));

    // Each cell of the Samples view is framed in its verdict's coolwarm colour.
    const GridView& v = grid.view;
    REQUIRE(v.scores != 0);
    REQUIRE(v.hover < 0);
    const auto view = app.samples().texture().view_texture().read_rgba8();
    REQUIRE(int(view.size()) == v.width * v.height * 4);
    const GridLayout& layout = app.samples().texture().layout();
    const ColorMap& coolwarm = color_map("coolwarm");
    int worst = 0;
    for (int i = 0; i < layout.count; ++i) {
        // Half a frame in from the cell's left edge, at its vertical middle.
        const float gx = layout.padding + (i % layout.columns) * (layout.cell_width + layout.padding);
        const float gy = layout.padding + (i / layout.columns) * (layout.cell_height + layout.padding) + layout.cell_height / 2.0f;
        const int vx = int((gx - v.offset_x) * v.zoom + v.frame_px / 2), vy = int((gy - v.offset_y) * v.zoom);
        REQUIRE((vx >= 0 && vy >= 0 && vx < v.width && vy < v.height));
        const auto colour = sample(coolwarm, grid.verdicts[size_t(i)]);
        for (int k = 0; k < 3; ++k)
            worst = std::max(worst, std::abs(int(view[(size_t(vy) * v.width + vx) * 4 + k]) - int(std::lround(colour[k] * 255))));
    }
    CHECK(worst <= 1);

    // Hidden again (Interpolation in front): verdicts for the next grid are not computed, so no frames.
    bring_to_front("Interpolation");
    for (int i = 0; i < 3; ++i) app.frame();
    const uint64_t seen = m.verdicts_revision;
    RunCommand step;
    step.kind = RunCommand::Kind::Step;
    step.steps = 5;
    REQUIRE(app.source().command(step).empty());
    REQUIRE(frames_until(app, [&] { return grid.step >= 5; }, 120));
    for (int i = 0; i < 10; ++i) app.frame();
    CHECK(m.verdicts_revision == seen);
    CHECK(grid.verdicts.empty());
    CHECK(grid.view.scores == 0);
}

TEST_CASE("Inspect on pix2pix: the PatchGAN's map over each validation output and the |output - target| map") {
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_pix2pix_config(synthetic_folder("viewer_inspect_p2p", 8, 40), 5);
    o.trainer.start_paused = true;
    o.trainer.run_dir = work_dir("inspect_p2p_run");
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.samples().grid().step >= 0 && app.source().weights().latest(); }));
    for (int i = 0; i < 5; ++i) app.frame();
    CHECK(app.inspect().maps() == nullptr);  // a tab behind Translate
    bring_to_front("Inspect");
    const InspectModel& m = app.inspect().model();
    REQUIRE(frames_until(app, [&] { return m.error_tiles.ready() && m.patch_tiles.ready(); }, 60));
    auto weights = app.source().weights().latest();
    auto samples = app.source().samples().latest();
    REQUIRE(samples);
    const TranslationTriples t = split_translation_grid(samples->images.to(torch::kCPU));
    CHECK(m.pairs == 3);

    // The error maps: |output - target| averaged over channels, as the panel's tooltips read them.
    const torch::Tensor want_error = (t.outputs - t.targets).abs().mean(1);
    CHECK(m.error_cell == 16);
    CHECK(m.error_at(1, 5, 7) == doctest::Approx(want_error[1][7][5].item<float>()).epsilon(1e-5));
    CHECK(m.error_means[2] == doctest::Approx(want_error[2].mean().item<float>()).epsilon(1e-4));
    // The PatchGAN's map: the snapshot's D on (input, output), as probabilities.
    SnapshotDiscriminator d(*weights);
    const torch::Tensor want_patch = d.patch_map(t.inputs, t.outputs);
    CHECK(m.patch_cell == want_patch.size(3));
    CHECK(m.patch_at(0, 1, 0) == doctest::Approx(want_patch[0][0][0][1].item<float>()).epsilon(1e-5));

    // The tiles are those maps through their colour maps: lumen from 0 to error_high, coolwarm from 0 to 1.
    const auto error_tiles = app.inspect().error_tiles().texture().read_rgba8();
    const GridLayout& el = app.inspect().error_tiles().layout();
    const auto patch_tiles = app.inspect().patch_tiles().texture().read_rgba8();
    const GridLayout& pl = app.inspect().patch_tiles().layout();
    int worst = 0;
    for (int pair = 0; pair < m.pairs; ++pair) {
        const int ex = el.padding + (pair % el.columns) * (m.error_cell + el.padding) + 3;
        const int ey = el.padding + (pair / el.columns) * (m.error_cell + el.padding) + 4;
        const auto e = sample(color_map("lumen"), want_error[pair][4][3].item<float>() / m.error_high);
        const int px = pl.padding + (pair % pl.columns) * (m.patch_cell + pl.padding);
        const int py = pl.padding + (pair / pl.columns) * (m.patch_cell + pl.padding);
        const auto p = sample(color_map("coolwarm"), want_patch[pair][0][0][0].item<float>());
        for (int k = 0; k < 3; ++k) {
            worst = std::max(worst, std::abs(int(error_tiles[(size_t(ey) * el.width() + ex) * 4 + k]) - int(std::lround(e[k] * 255))));
            worst = std::max(worst, std::abs(int(patch_tiles[(size_t(py) * pl.width() + px) * 4 + k]) - int(std::lround(p[k] * 255))));
        }
    }
    CHECK(worst <= 1);
}
