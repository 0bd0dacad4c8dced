// Nothing a stranger's file, a byte-string name or a full disk does may crash or hang a run: fixed latents and
// history snapshots through the checked reader, names that are not UTF-8, a stop after a failed save.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <thread>

#include "ml/formats/archive_check.h"
#include "ml/formats/safe_text.h"
#include "ml/models/dcgan.h"
#include "ml/run/checked_archive.h"
#include "ml/run/checkpoint.h"
#include "ml/run/history.h"
#include "ml/run/reference_weights.h"
#include "ml/train/trainer.h"
#include "tests/ml/hostile_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

std::string refusal_of(const std::function<void()>& read) {
    try {
        read();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(accepted)";
}

bool one_clean_line(const std::string& s) {
    for (char c : s)
        if (c == '\n' || c == '\x1b' || c == '\0') return false;
    return true;
}

TrainConfig tiny_run(const std::string& data, int64_t steps) {
    TrainConfig c = test::tiny_dcgan(data, steps);
    c.latent_dim = 8;
    c.g_width = c.d_width = 4;
    c.grid_count = 4;
    c.log_every = 1;
    c.sample_every = 1000;
    c.snapshot_every = 1000;
    c.swd_every = 0;
    c.loader_workers = 1;
    return c;
}

template <class F>
bool wait_until(F&& condition, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace

TEST_CASE(
    "a fixed_latents.pt or history snapshot holding a 10^6-deep tuple is refused in one line, not read by libtorch") {
    const std::string dir = scratch_dir("robust-latents");
    const std::string tuple = "\x80\x02)" + std::string(1000000, '\x85') + ".";
    write_all(dir + "/fixed_latents.pt", make_zip({{"archive/data.pkl", tuple}, {"archive/version", "3\n"}}));
    const std::string msg = refusal_of([&] { read_fixed_latents(dir + "/fixed_latents.pt", 4, 8); });
    CHECK(msg.find("nested more than") != std::string::npos);
    CHECK(one_clean_line(msg));
    write_all(dir + "/step_00000010.pt", make_zip({{"archive/data.pkl", tuple}, {"archive/version", "3\n"}}));
    const std::string snap = refusal_of([&] { load_snapshot(dir + "/step_00000010.pt"); });
    CHECK(snap.find("nested more than") != std::string::npos);
    CHECK(one_clean_line(snap));
}

TEST_CASE("fixed latents: real ones read; flipped, misshapen, non-finite and foreign files are refused naming why") {
    const std::string dir = scratch_dir("robust-latents-kinds");
    const torch::Tensor latents = make_fixed_latents(4, 8, 3);
    write_tensor_file(dir + "/fixed_latents.pt", latents);
    CHECK(torch::equal(read_fixed_latents(dir + "/fixed_latents.pt", 4, 8), latents));
    CHECK(refusal_of([&] { read_fixed_latents(dir + "/fixed_latents.pt", 4, 16); }).find("shape [4, 8]") !=
          std::string::npos);
    // A flipped byte in the storage: the CRC, not libtorch, says so.
    std::string bytes = read_all(dir + "/fixed_latents.pt");
    const size_t at = bytes.find(std::string(reinterpret_cast<const char*>(latents.data_ptr<float>()), 16));
    REQUIRE(at != std::string::npos);
    bytes[at + 3] ^= 0x40;
    write_all(dir + "/flipped.pt", bytes);
    CHECK(refusal_of([&] { read_fixed_latents(dir + "/flipped.pt", 4, 8); }).find("CRC-32") != std::string::npos);
    write_tensor_file(dir + "/nan.pt", torch::full({4, 8}, std::nan("")));
    CHECK(refusal_of([&] { read_fixed_latents(dir + "/nan.pt", 4, 8); }).find("not finite") != std::string::npos);
    // A checkpoint is an archive too, but not a tensor file.
    TrainConfig c = tiny_run("emoji", 0);
    DcganTask task(c, torch::kCPU);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 1, {}});
    CHECK(refusal_of([&] { read_fixed_latents(dir + "/checkpoint.pt", 4, 8); }).find("a tensor file holds one") !=
          std::string::npos);
    // And a tensor file is not a snapshot.
    CHECK(refusal_of([&] { load_snapshot(dir + "/fixed_latents.pt"); }).find("not a snapshot") != std::string::npos);
    save_snapshot(dir + "/snapshot.pt", task.snapshot_generator(3));
    CHECK(load_snapshot(dir + "/snapshot.pt").step == 3);
    CHECK_NOTHROW(check_snapshot_archive_file(dir + "/snapshot.pt"));
}

TEST_CASE("--resume reads fixed_latents.pt with the checked reader and rewrites a damaged one from the checkpoint") {
    const std::string data = synthetic_folder("robust-resume-data", 8);
    const std::string run = scratch_dir("robust-resume");
    TrainerOptions first;
    first.config = tiny_run(data, 2);
    first.run_dir = run;
    {
        Trainer t(first);
        REQUIRE(t.wait(std::chrono::seconds(120)));
        REQUIRE(t.status().latest()->state == TrainerState::Finished);
    }
    const torch::Tensor kept = read_fixed_latents(run + "/fixed_latents.pt", 4, 8);
    const std::string tuple = "\x80\x02)" + std::string(1000000, '\x85') + ".";
    write_all(run + "/fixed_latents.pt", make_zip({{"archive/data.pkl", tuple}, {"archive/version", "3\n"}}));
    TrainerOptions again = first;
    again.resume = true;
    again.extra_steps = 1;
    Trainer t(again);
    REQUIRE(t.wait(std::chrono::seconds(120)));
    CHECK(t.status().latest()->state == TrainerState::Finished);
    CHECK(torch::equal(read_fixed_latents(run + "/fixed_latents.pt", 4, 8), kept));
}

TEST_CASE("names that are not UTF-8: config JSON keeps the bytes exactly and shows U+FFFD; safe_text agrees") {
    const std::string name = std::string("/data/caf\xe9/x\xff");  // Latin-1 é and a lone 0xff
    CHECK(!valid_utf8(name));
    CHECK(valid_utf8("caf\xc3\xa9"));
    CHECK(!valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
    CHECK(!valid_utf8("\xc0\xaf"));      // an overlong '/'
    CHECK(utf8_or_replacement(name) == "/data/caf\xef\xbf\xbd/x\xef\xbf\xbd");
    // nlohmann's replacement gives the same text, so every answer shows a name the same way.
    CHECK(nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) ==
          nlohmann::json(utf8_or_replacement(name)).dump());
    TrainConfig c;
    c.data = name;
    const std::string text = c.to_json().dump(2);  // threw "incomplete UTF-8 string" before
    CHECK(TrainConfig::from_json(nlohmann::json::parse(text)).data == name);
    c.data = "emoji";
    CHECK(!c.to_json().contains("data_bytes"));
    CHECK(hex_decode(hex_encode(name)) == name);
}

TEST_CASE("a data folder and a run folder with Latin-1 names train, and config.json is whole") {
    const std::string base = synthetic_folder("robust-latin1-src", 8);
    const std::string data = scratch_dir("robust-latin1") + "/caf\xe9";
    fs::remove_all(data);
    fs::copy(base, data, fs::copy_options::recursive);
    const std::string run = scratch_dir("robust-latin1-run") + "/run\xff";
    TrainerOptions options;
    options.config = tiny_run(data, 2);
    options.run_dir = run;
    Trainer t(options);
    REQUIRE(t.wait(std::chrono::seconds(120)));
    const auto status = t.status().latest();
    INFO(status->error);
    CHECK(status->state == TrainerState::Finished);
    std::ifstream in(run + "/config.json");
    REQUIRE(in);
    CHECK(TrainConfig::from_json(nlohmann::json::parse(in)).data == data);
    CHECK(read_checkpoint_meta(run + "/checkpoint.pt").config.data == data);
    CHECK(!fs::exists(run + "/config.json.partial"));
}

TEST_CASE("a stop after a failed save (a full disk) ends the trainer instead of leaving it paused forever") {
    const std::string data = synthetic_folder("robust-stop-data", 8);
    const std::string disk = scratch_dir("robust-stop") + "/disk";
    fs::create_directories(disk);
    FullDisk full(disk, 4u << 20);
    TrainerOptions options;
    options.config = tiny_run(data, 0);
    options.run_dir = disk + "/run";
    Trainer t(options);
    REQUIRE(wait_until(
        [&] {
            auto s = t.status().latest();
            return s && s->step >= 2;
        },
        std::chrono::seconds(120)));
    full.fill();
    MESSAGE("full disk simulated with " << std::string(full.kind()));
    t.save();
    REQUIRE(wait_until([&] { return !t.status().latest()->error.empty(); }, std::chrono::seconds(60)));
    CHECK(t.status().latest()->error.find("cannot write the checkpoint") != std::string::npos);
    t.stop();  // saves a final checkpoint, which fails again: the trainer must end all the same
    const bool ended = t.wait(std::chrono::seconds(30));
    full.release();
    CHECK(ended);
    if (ended) CHECK(t.status().latest()->state == TrainerState::Failed);
    CHECK(!fs::exists(options.run_dir + "/checkpoint.pt.partial"));
}

TEST_CASE("a state_dict whose weights are not finite is refused with a count, not translated into noise") {
    const std::string dir = scratch_dir("robust-nonfinite");
    torch::Tensor w = torch::randn({4, 4});
    w[1][2] = std::numeric_limits<float>::infinity();
    w[3][0] = std::nan("");
    write_state_dict(dir + "/bad.pth", {{"model.0.weight", w}, {"model.0.bias", torch::zeros({4})}});
    const std::string msg = refusal_of([&] { read_state_dict(dir + "/bad.pth"); });
    CHECK(msg.find("2 of its weights are not finite") != std::string::npos);
    CHECK(msg.find("model.0.weight") != std::string::npos);
    CHECK(one_clean_line(msg));
}

TEST_CASE("a resume of a folder that does not exist is refused and creates nothing") {
    const std::string run = scratch_dir("robust-nosuch") + "/no-such-run";
    TrainerOptions options;
    options.config = tiny_run("emoji", 2);
    options.run_dir = run;
    options.resume = true;
    Trainer t(options);
    REQUIRE(t.wait(std::chrono::seconds(60)));
    CHECK(t.status().latest()->state == TrainerState::Failed);
    CHECK(t.status().latest()->error.find("no such run folder") != std::string::npos);
    CHECK(!fs::exists(run));  // the writer's lock made the folder before
}
