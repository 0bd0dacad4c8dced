// Compare: what is a run and what is not, the shared-latents line, the kept set of runs; and, in a headless window,
// the Latent tab's images of one latent through every run's generator.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/models/dcgan.h"
#include "ml/models/latent.h"
#include "ml/run/history.h"
#include "ml/run/module_io.h"
#include "render/gl_context.h"
#include "ml/test_util.h"

#include "tests/viewer/window_support.h"
#include "viewer/features/compare/compare_module.h"
#include "viewer/features/compare/compare_panel.h"
#include "viewer/sources/run_source.h"

using namespace ganscope;
using namespace ganscope::test;

TEST_CASE("run_path_problem: run folders, checkpoints and URLs are runs; anything else is one line") {
    const std::string dir = work_dir("compare_paths");
    std::filesystem::create_directories(dir + "/run");
    std::ofstream(dir + "/run/config.json") << "{\"model\": \"dcgan\"}";
    std::ofstream(dir + "/run/checkpoint.pt") << "x";
    std::ofstream(dir + "/notes.txt") << "x";
    std::filesystem::create_directories(dir + "/empty");
    CHECK(run_path_problem(dir + "/run") == "");
    CHECK(run_path_problem(dir + "/run/checkpoint.pt") == "");
    CHECK(run_path_problem("http://127.0.0.1:1") == "");
    CHECK(run_path_problem(dir + "/empty").find("empty: not a run folder (no config.json") != std::string::npos);
    CHECK(run_path_problem(dir + "/notes.txt").find("notes.txt: not a run") != std::string::npos);
    CHECK(run_path_problem(dir + "/missing").find("missing: no such run folder") != std::string::npos);
    CHECK(run_path_problem("https://example.org").find("plain HTTP") != std::string::npos);
    for (const std::string& p : {dir + "/empty", dir + "/missing", std::string("https://x")})
        CHECK(run_path_problem(p).find('\n') == std::string::npos);
}

TEST_CASE("CompareModule: a path that is not a run changes nothing; a run folder is added with its own colour") {
    const std::string dir = work_dir("compare_add");
    std::filesystem::create_directories(dir + "/run");
    std::ofstream(dir + "/run/config.json") << "{\"model\": \"dcgan\"}";
    CompareModule compare;
    RunView view;
    CHECK_FALSE(compare.shown(view));
    const std::string problem = compare.add(dir + "/nothing");
    CHECK(problem.find("no such run folder") != std::string::npos);
    CHECK(compare.model().runs.size() == 1);
    CHECK(compare.model().message == problem);
    CHECK(compare.add(dir + "/run", "", "mine") == "");
    REQUIRE(compare.model().runs.size() == 2);
    CHECK(compare.model().runs[1].label == "mine");
    CHECK(compare.model().runs[1].kind == "following");
    CHECK(compare.model().runs[1].color != compare.model().runs[0].color);
    CHECK(compare.shown(view));
    CHECK(compare.add(dir + "/run/").find("already in the comparison") != std::string::npos);
    CHECK(compare.model().runs.size() == 2);
    std::filesystem::create_directories(dir + "/second");
    std::ofstream(dir + "/second/config.json") << "{\"model\": \"dcgan\"}";
    CHECK(compare.add(dir + "/second/") == "");
    REQUIRE(compare.model().runs.size() == 3);
    CHECK(compare.model().runs[2].label == "second");  // the folder's name until renamed
    compare.shutdown();
}

TEST_CASE("the kept comparison: written as compare.json, read back; a damaged file is no comparison") {
    const std::string dir = work_dir("compare_state");
    std::ofstream(dir + "/compare.json")
        << R"({"runs": [{"what": "runs/a", "label": "A", "color": 255, "visible": true},
                       {"what": "runs/b", "label": "B", "color": 65280, "visible": false}]})";
    const auto runs = read_compare_state(dir + "/compare.json");
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].what == "runs/a");
    CHECK(runs[1].label == "B");
    CHECK(runs[1].color == 65280u);
    CHECK_FALSE(runs[1].visible);
    std::ofstream(dir + "/bad.json") << "{\"runs\": [";
    CHECK(read_compare_state(dir + "/bad.json").empty());
    CHECK(compare_state_path(dir + "/imgui.ini") == dir + "/compare.json");
    CHECK(compare_state_path("").empty());
}

TEST_CASE("shared_latents_note: the same seed and latent size share the fixed latents; else it says why not") {
    auto run = [](const std::string& label, uint64_t seed, int latent) {
        CompareRun r;
        r.label = label;
        TrainConfig c;
        c.seed = seed;
        c.latent_dim = latent;
        r.config = c;
        return r;
    };
    CHECK(shared_latents_note({run("a", 1, 16)}) == "");
    CHECK(shared_latents_note({run("a", 1, 16), run("b", 1, 16)})
              .rfind("the same fixed latents (seed 1, latent size 16)", 0) == 0);
    const std::string other = shared_latents_note({run("a", 1, 16), run("b", 2, 16)});
    CHECK(other.rfind("not the same latents: a has seed 1, latent size 16, b seed 2", 0) == 0);
    std::vector<CompareRun> hidden = {run("a", 1, 16), run("b", 2, 16)};
    hidden[1].visible = false;  // a hidden run is not compared
    CHECK(shared_latents_note(hidden) == "");
}

namespace {

// G(z) of a snapshot, computed here with libtorch alone (not through the window's workers).
torch::Tensor generate_directly(const WeightsSnapshot& w, const torch::Tensor& z) {
    DcganGenerator g(w.config.image_size, w.config.latent_dim, w.config.g_width);
    assign_named_tensors(*g, w.tensors, "test");
    g->eval();
    torch::NoGradGuard no_grad;
    return g->forward(z.reshape({1, -1}))[0];
}

// The centre of the tab called `name` in the last frame's tab bars (-1, -1: none).
ImVec2 tab_centre(const std::string& name) {
    ImGuiContext& g = *GImGui;
    for (int i = 0; i < g.TabBars.GetMapSize(); ++i)
        if (ImGuiTabBar* bar = g.TabBars.TryGetMapData(i))
            for (ImGuiTabItem& tab : bar->Tabs)
                if (name == ImGui::TabBarGetTabName(bar, &tab))
                    return ImVec2(bar->BarRect.Min.x + tab.Offset + tab.Width / 2, bar->BarRect.GetCenter().y);
    return ImVec2(-1, -1);
}

// A click as a mouse gives it, over frames: move, press, hold, release.
void click(App& app, ImVec2 at) {
    ImGuiIO& io = ImGui::GetIO();
    io.AddMousePosEvent(at.x, at.y);
    app.frame();
    io.AddMouseButtonEvent(ImGuiMouseButton_Left, true);
    app.frame();
    app.frame();
    io.AddMouseButtonEvent(ImGuiMouseButton_Left, false);
    app.frame();
}

}  // namespace

TEST_CASE(
    "the Latent tab: one latent through every run's generator, each what that run's G draws; a run of "
    "another latent size says so") {
    const std::string dir = work_dir("compare_latent");
    const std::string data = test::synthetic_folder("viewer_compare_latent", 16);
    // Three finished runs: a and b differ in their weights (seed and learning rate: 40 steps take them far enough
    // from a fresh generator's near-grey output to draw visibly different images), c in its latent size too.
    const auto train = [&](const std::string& name, uint64_t seed, double lr_g, int latent, int64_t steps) {
        TrainerOptions t;
        t.config = tiny_dcgan_config(data, 2, seed);
        t.config.latent_dim = latent;
        t.config.lr_g = lr_g;
        t.config.steps = steps;
        t.config.sample_every = t.config.snapshot_every = 10;
        t.run_dir = dir + "/" + name;
        Trainer trainer(t);
        REQUIRE(trainer.wait(std::chrono::seconds(120)));
        REQUIRE_FALSE(list_history(t.run_dir).empty());
    };
    train("a", 5, 2e-4, 16, 40);
    train("b", 6, 2e-3, 16, 40);
    train("c", 7, 2e-4, 8, 4);

    AppOptions o;
    o.headless = true;
    o.width = 1024;
    o.height = 640;
    o.mode = AppOptions::Mode::Watch;
    o.watch_dir = dir + "/a";
    o.watch_poll_seconds = 0.05;
    o.compare = {{dir + "/b", "b"}, {dir + "/c", "c"}};
    App app(o);
    CompareModule& compare = app.compare();
    CompareModel& m = compare.model();
    const auto state = [&] {
        std::string s = "tab open " + std::to_string(m.latent_tab_open) + ", latent '" + m.latent_what + "' / '" +
                        m.latent_none + "', current " + std::to_string(m.latent_current);
        for (const CompareRun& r : m.runs)
            s += "; " + r.label + ": '" + r.latent_note + "' image " + std::to_string(r.latent_image.ready()) +
                 " state " + r.state;
        return s;
    };
    REQUIRE(frames_until(
        app, [&] { return compare.shown(app.model()) && tab_centre("Latent").x >= 0; }, 60));
    for (int i = 0; i < 10; ++i) app.frame();  // the layout settles: the Compare panel takes the front of its node
    ImGuiWindow* panel = ImGui::FindWindowByName("Compare");
    REQUIRE(panel);
    REQUIRE(bool(panel->DockTabIsVisible));
    CHECK_FALSE(m.latent_tab_open);  // the Samples tab is in front: nothing is rendered for the Latent tab
    const ImVec2 at = tab_centre("Latent");
    INFO("the Latent tab at " << at.x << ", " << at.y << "; " << state());
    click(app, at);
    REQUIRE(m.latent_tab_open);  // in front: drawn in the last frame
    REQUIRE(frames_until(
        app,
        [&] {
            return compare.latents_ready() && m.runs[0].latent_image.ready() && m.runs[1].latent_image.ready() &&
                   m.runs[2].latent_note.rfind("latent size", 0) == 0;
        },
        60));
    for (int i = 0; i < 3; ++i) app.frame();
    CHECK(m.latent_what == "the explorer's latent");
    CHECK(m.runs[2].latent_note == "latent size 8, not the 16 of this latent: no latent to share");
    CHECK_FALSE(m.runs[2].latent_image.ready());

    // Each run's image, read back from its texture and from the screen, is its own generator's G(z).
    const auto check_runs = [&](const torch::Tensor& z, const std::string& what) {
        INFO(what);
        std::vector<std::vector<uint8_t>> expected;
        for (size_t i = 0; i < 2; ++i) {
            const std::vector<HistoryEntry> history = list_history(dir + "/" + std::string(1, char('a' + i)));
            const WeightsSnapshot weights = load_snapshot(history.back().path);
            CHECK(m.runs[i].latent_step == weights.step);
            expected.push_back(expected_rgba(generate_directly(weights, z)));
            CHECK(max_difference(compare.latent_texture(i).texture().read_rgba8(), expected.back()) <= 1);
        }
        CHECK(max_difference(expected[0], expected[1]) > 20);  // different weights draw the same latent differently
        const std::string shot = dir + "/latent.png";
        app.save_screenshot(shot);
        int w = 0, h = 0;
        const std::vector<uint8_t> pixels = read_png_rgba(shot, w, h);
        for (size_t i = 0; i < 2; ++i) {
            const CompareRun& r = m.runs[i];
            REQUIRE(r.latent_w >= 32);  // magnified: every texel is several screen pixels
            int worst = 0;
            for (int y = 0; y < 16; ++y)
                for (int x = 0; x < 16; ++x) {
                    const int sx = int(r.latent_x + (x + 0.5f) * r.latent_w / 16);
                    const int sy = int(r.latent_y + (y + 0.5f) * r.latent_h / 16);
                    for (int k = 0; k < 3; ++k)
                        worst = std::max(worst, std::abs(int(pixels[(size_t(sy) * w + sx) * 4 + k]) -
                                                         int(expected[i][(size_t(y) * 16 + x) * 4 + k])));
                }
            CHECK(worst <= 1);
        }
    };
    check_runs(explorer_latent(app.explorer().model()), "the explorer's first latent");

    // The explorer moves: the images follow, stamped with the latent they belong to.
    app.explorer().model().pad[0] = 1.5f;
    ++app.explorer().model().revision;
    app.frame();
    CHECK_FALSE(m.latent_current);
    REQUIRE(frames_until(
        app, [&] { return compare.latents_ready(); }, 60));
    check_runs(explorer_latent(app.explorer().model()), "the explorer's moved latent");

    // The Interpolation's frame instead: frame 4 of 8 from A to B (its loop held still there).
    InterpolationModel& in = app.interpolation().model();
    in.animate = false;
    in.phase = 3;
    m.latent_frame = true;
    app.frame();
    REQUIRE(frames_until(
        app, [&] { return compare.latents_ready(); }, 60));
    CHECK(m.latent_what == "interpolation frame 4 of 8 (slerp A to B)");
    check_runs(slerp_latent(in.a, in.b, 3.0 / 7.0), "interpolation frame 4");
}
