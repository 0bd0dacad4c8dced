// Compare without a window: what is a run and what is not, the shared-latents line, and the kept set of runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/viewer/window_support.h"
#include "viewer/features/compare/compare_module.h"
#include "viewer/features/compare/compare_panel.h"
#include "viewer/sources/run_source.h"

using namespace ganscope;
using ganscope::test::work_dir;

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
