// `ganscope --open G.pth`: a seed-003 generator state_dict made by Python opens in the window, headless;
// the explorer's texture and the screenshot show what Python's own generator draws for the explorer's latent; any
// other layout is one line in the window, not a crash.
#include <doctest/doctest.h>

#include <set>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/python_util.h"
#include "ml/run/reference_weights.h"
#include "render/gl_context.h"
#include "render/texture.h"
#include "viewer/features/latent/latent_panel.h"
#include "viewer/window/app.h"
#include "viewer/widgets/tensor_texture.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

struct Box {
    bool found = false;
    ImVec2 min{1e9f, 1e9f}, max{-1e9f, -1e9f};
};
// Where the last frame drew `texture` on screen.
Box find_drawn(ImTextureID texture) {
    Box b;
    ImDrawData* data = ImGui::GetDrawData();
    REQUIRE(data);
    for (int l = 0; l < data->CmdLists.Size; ++l) {
        const ImDrawList* list = data->CmdLists[l];
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback || cmd.GetTexID() != texture) continue;
            for (unsigned i = 0; i < cmd.ElemCount; ++i) {
                const ImDrawVert& v = list->VtxBuffer[int(cmd.VtxOffset + list->IdxBuffer[int(cmd.IdxOffset + i)])];
                b.found = true;
                b.min = ImMin(b.min, v.pos);
                b.max = ImMax(b.max, v.pos);
            }
        }
    }
    return b;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST_CASE("--open G.pth: a Python seed-003 generator is explored; the screen shows what Python draws") {
    const std::string dir = work_dir("open_state_dict");
    // Latent 16, 32x32, width 8, random weights and BatchNorm statistics, saved as torch.save(G.state_dict(), path).
    REQUIRE(run_interop("make_dcgan_g " + quoted(dir + "/G.pth") + " 16 32 8") == 0);
    AppOptions o;
    o.headless = true;
    o.width = 1024;
    o.height = 640;
    o.mode = AppOptions::Mode::Open;
    o.checkpoint = dir + "/G.pth";
    App app(o);
    CHECK_FALSE(app.source().capabilities().commands);
    REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready(); }));
    for (int i = 0; i < 3; ++i) app.frame();
    CHECK(app.model().latent_dim == 16);
    CHECK(app.model().image_size == 32);
    CHECK(app.model().source.find("could not open") == std::string::npos);

    // Python's generator, loaded strictly from the same file, for the explorer's latent.
    const torch::Tensor z = explorer_latent(app.explorer().model()).reshape({1, 16});
    write_state_dict(dir + "/z.pth", {{"z", z}});
    REQUIRE(run_interop("draw " + quoted(dir + "/G.pth") + " " + quoted(dir + "/z.pth") + " " + quoted(dir + "/drawn.pth") +
                        " 16 32 8") == 0);
    const torch::Tensor drawn = read_state_dict(dir + "/drawn.pth").at(0).second[0];
    const std::vector<uint8_t> expected = expected_rgba(drawn);
    CHECK(max_difference(app.explorer().texture().texture().read_rgba8(), expected) <= 1);

    // The screenshot: every texel of the explorer image, at its centre on screen (magnified, nearest filtering).
    const Box at = find_drawn(app.explorer().model().image.texture);
    REQUIRE(at.found);
    const float side = at.max.x - at.min.x;
    CHECK(side >= 64);
    const std::string shot = dir + "/open.png";
    app.save_screenshot(shot);
    int w = 0, h = 0;
    const std::vector<uint8_t> pixels = read_png_rgba(shot, w, h);
    REQUIRE(w == 1024);
    int worst = 0;
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
            const int sx = int(at.min.x + (x + 0.5f) * side / 32), sy = int(at.min.y + (y + 0.5f) * side / 32);
            for (int k = 0; k < 3; ++k)
                worst = std::max(worst, std::abs(int(pixels[(size_t(sy) * w + sx) * 4 + k]) - int(expected[(size_t(y) * 32 + x) * 4 + k])));
        }
    MESSAGE("largest screen - Python difference over the 32x32 explorer image: " << worst);
    CHECK(worst <= 1);
    // Not a flat image: the comparison above sees real structure.
    std::set<uint32_t> colours;
    for (size_t i = 0; i < expected.size(); i += 4) colours.insert(expected[i] << 16 | expected[i + 1] << 8 | expected[i + 2]);
    CHECK(colours.size() > 50);
}

TEST_CASE("--open of a state_dict in another layout is one line in the window") {
    const std::string dir = work_dir("open_state_dict_other");
    write_state_dict(dir + "/resnet.pth", {{"model.1.weight", torch::zeros({8, 3, 7, 7})}});
    AppOptions o;
    o.headless = true;
    o.width = 800;
    o.height = 500;
    o.mode = AppOptions::Mode::Open;
    o.checkpoint = dir + "/resnet.pth";
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.model().source.find("could not open") != std::string::npos; }));
    CHECK(app.model().notice.find("seed 003's nn.Sequential layout") != std::string::npos);
    CHECK(app.model().notice.find("resnet.pth") != std::string::npos);
}
