// Inspect: the worker's feature maps equal the generator's own intermediate activations; in the window the
// maps are computed only while the panel is visible, and its tiles are the channels through the colour map.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <imgui.h>
#include <imgui_internal.h>

#include "assets/colormaps.h"
#include "ml/dcgan.h"
#include "ml/module_io.h"
#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "viewer/workers/inspect_worker.h"
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
    const uint64_t id = worker.request(weights, z);
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
}

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

    // Bring the Inspect tab to the front, as a click on it does.
    ImGuiWindow* w = ImGui::FindWindowByName("Inspect");
    REQUIRE(w);
    REQUIRE(w->DockNode);
    w->DockNode->TabBar->NextSelectedTabId = w->TabId;
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
