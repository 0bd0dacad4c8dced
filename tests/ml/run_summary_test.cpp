// Run folders at a glance (ganscope runs) and the config diff the Compare window's runs table shows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "ml/run/run_folder.h"
#include "ml/run/run_summary.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {
void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}
}  // namespace

TEST_CASE("config_diff lists exactly the keys whose values differ, and all keys when asked") {
    const nlohmann::json a = {{"model", "dcgan"}, {"lr_g", 2e-4}, {"lr_d", 2e-4}, {"seed", 1}, {"size", {{"w", 16}}}};
    nlohmann::json b = a;
    b["lr_g"] = 8e-4;
    b["size"]["w"] = 32;
    nlohmann::json c = a;
    c.erase("seed");
    const auto rows = config_diff({a, b, c});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].key == "lr_g");
    CHECK(rows[0].values == std::vector<std::string>{"0.0002", "0.0008", "0.0002"});
    CHECK(rows[1].key == "seed");
    CHECK(rows[1].values[2] == "");  // missing in c
    CHECK(rows[2].key == "size.w");
    CHECK(rows[2].values == std::vector<std::string>{"16", "32", "16"});
    const auto all = config_diff({a, b, c}, true);
    CHECK(all.size() == 5);
    CHECK(std::count_if(all.begin(), all.end(), [](const ConfigDiffRow& r) { return r.differs; }) == 3);
    CHECK(config_diff({a, a}).empty());
}

TEST_CASE("find_runs summarises run folders, skips what is not a run, and refuses a missing folder") {
    const std::string dir = test::scratch_dir("run_summary");
    write(dir + "/a/config.json", R"({"model": "dcgan", "steps": 30, "batch_size": 8})");
    write(dir + "/a/metrics.jsonl",
          "{\"step\": 1, \"loss_g\": 2.5, \"loss_d\": 1.25, \"images_per_sec\": 100, \"swd\": 40.5}\n"
          "{\"step\": 2, \"loss_g\": 2.0, \"loss_d\": 1.0, \"images_per_sec\": 120}\n"
          "{\"step\": 3, \"loss_g\"");  // a line being written
    write(dir + "/b/config.json", R"({"model": "pix2pix", "steps": 0})");
    write(dir + "/notes/readme.txt", "not a run");
    write(dir + "/broken/config.json", "{\"model\": ");
    const auto runs = find_runs(dir);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].name == "a");
    CHECK(runs[0].model == "dcgan");
    CHECK(runs[0].step == 2);
    CHECK(runs[0].loss_g == 2.0);
    CHECK(runs[0].swd == 40.5);  // the newest record that carries one
    CHECK(runs[0].bad_lines == 1);
    CHECK_FALSE(runs[0].writer);
    CHECK(describe_run(runs[0]).rfind(
              "a  model=dcgan  step=2/30  loss_g=2  loss_d=1  swd=40.50  images/s=120  updated=", 0) == 0);
    CHECK(runs[1].name == "b");
    CHECK(runs[1].step == -1);
    CHECK(std::isnan(runs[1].loss_g));
    CHECK(describe_run(runs[1]).find("step=-  loss_g=-") != std::string::npos);
    CHECK_THROWS_WITH_AS(find_runs(dir + "/missing"), doctest::Contains("no such folder"), std::runtime_error);
}

TEST_CASE("writer_holds sees a held run lock without taking it") {
    const std::string dir = test::scratch_dir("run_summary_lock") + "/run";
    write(dir + "/config.json", R"({"model": "dcgan"})");
    CHECK_FALSE(writer_holds(dir));
    {
        RunLock lock(dir);
        CHECK(writer_holds(dir));
        const auto run = summarize_run(dir);
        REQUIRE(run);
        CHECK(run->writer);
        CHECK(describe_run(*run).find("writer=held") != std::string::npos);
        RunLock* second = nullptr;
        CHECK_THROWS_AS(second = new RunLock(dir), RunLockError);  // still held: probing never released it
        delete second;
    }
    CHECK_FALSE(writer_holds(dir));
}
