// Weight files, checkpoints and run folders made or damaged by strangers: each way such a file once got past the
// readers has its test here; the files are crafted by the tests (tests/ml/hostile_util.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include "ml/build_paths.h"
#include "ml/formats/archive_check.h"
#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/run/metrics.h"
#include "ml/run/reference_weights.h"
#include "ml/run/run_folder.h"
#include "ml/train/trainer.h"
#include "ml/formats/zip_archive.h"
#include "ml/data/image.h"
#include "tests/ml/hostile_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

bool one_clean_line(const std::string& s) {
    for (char c : s)
        if (c == '\n' || c == '\x1b' || c == '\0') return false;
    return true;
}

// The message of the CheckpointError that reading `path` as reference weights throws.
std::string refusal(const std::string& path) {
    try {
        read_state_dict(path);
    } catch (const CheckpointError& e) {
        return e.what();
    }
    return "(accepted)";
}

std::string checkpoint_refusal(const std::string& path) {
    try {
        read_checkpoint_meta(path);
    } catch (const CheckpointError& e) {
        return e.what();
    }
    return "(accepted)";
}

TrainConfig tiny(const std::string& data, int64_t steps) {
    TrainConfig c = test::tiny_dcgan(data, steps);
    c.latent_dim = 8;
    c.g_width = c.d_width = 4;
    c.grid_count = 4;
    c.log_every = 1;
    c.sample_every = 1000;
    c.checkpoint_every = 10;
    c.snapshot_every = 1000;
    c.loader_workers = 1;
    return c;
}

std::string floats(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

}  // namespace

TEST_CASE("opcodes that find the stack empty are refused in one line, zip and legacy format") {
    const std::string dir = scratch_dir("hostile-stack");
    const std::vector<std::pair<std::string, std::string>> bodies = {
        {"BINPUT", "q\x00"}, {"LONG_BINPUT", std::string("r\x00\x00\x00\x00", 5)}, {"MEMOIZE", "\x94"},
        {"APPENDS after a lone MARK", "(e"}, {"SETITEM", "s"}, {"BUILD", "b"}, {"REDUCE", "R"}, {"TUPLE2", "\x86"}};
    for (const auto& [what, body] : bodies) {
        CAPTURE(what);
        const std::string pickle = std::string("\x80\x02", 2) + body + "N.";
        write_all(dir + "/zip.pth", torch_zip(pickle));
        write_all(dir + "/legacy.pth", legacy_file(pickle, {}));
        CHECK(fs::file_size(dir + "/legacy.pth") < 150);
        for (const char* name : {"/zip.pth", "/legacy.pth"}) {
            const std::string msg = refusal(dir + name);
            CHECK(msg.find(dir + name) != std::string::npos);
            CHECK((msg.find("stack empty") != std::string::npos || msg.find("without a MARK") != std::string::npos));
            CHECK(one_clean_line(msg));
        }
    }
}

TEST_CASE("files naming os.system, builtins.eval and subprocess.Popen run nothing and are refused") {
    const std::string dir = scratch_dir("hostile-code");
    const std::string marker = dir + "/ran";
    for (const auto& [module, name] : std::vector<std::pair<std::string, std::string>>{
             {"os", "system"}, {"builtins", "eval"}, {"subprocess", "Popen"}, {"posix", "system"}}) {
        CAPTURE(name);
        Pk by_global;  // GLOBAL + REDUCE, as pickle writes a call
        by_global.op('}').op('(').str("model.weight").global(module, name).op('(').str("touch " + marker).op('t').op('R').op('u');
        Pk by_stack;   // STACK_GLOBAL (protocol 4) + NEWOBJ
        by_stack.str(module).str(name).op('\x93').op('(').str("touch " + marker).op('t').op('\x81');
        for (const std::string& pickle : {by_global.done(), by_stack.done()}) {
            write_all(dir + "/evil.pth", torch_zip(pickle));
            const std::string msg = refusal(dir + "/evil.pth");
            CHECK(msg.find(module + "." + name) != std::string::npos);
            CHECK(msg.find("runs nothing") != std::string::npos);
            write_all(dir + "/evil_legacy.pth", legacy_file(pickle, {}));
            CHECK(refusal(dir + "/evil_legacy.pth").find(module + "." + name) != std::string::npos);
        }
    }
    CHECK(!fs::exists(marker));
}

TEST_CASE("a 10^6-deep tuple and a 2x10^5-deep list are refused, by ganscope's reader and before libtorch's") {
    const std::string dir = scratch_dir("hostile-deep");
    const std::string tuple = "\x80\x02)" + std::string(1000000, '\x85') + ".";
    const std::string list = "\x80\x02" + std::string(200000, ']') + std::string(199999, 'a') + ".";
    for (const std::string& pickle : {tuple, list}) {
        write_all(dir + "/deep.pth", torch_zip(pickle));
        const std::string msg = refusal(dir + "/deep.pth");
        CHECK(msg.find("nested more than 100 deep") != std::string::npos);
        write_all(dir + "/deep_legacy.pth", legacy_file(pickle, {}));
        CHECK(refusal(dir + "/deep_legacy.pth").find("nested more than") != std::string::npos);
        // The same pickle as a checkpoint's data.pkl: libtorch's recursive reader never sees it.
        write_all(dir + "/checkpoint.pt", make_zip({{"archive/data.pkl", pickle}, {"archive/version", "3\n"}}));
        const std::string ck = checkpoint_refusal(dir + "/checkpoint.pt");
        CHECK(ck.find("nested more than") != std::string::npos);
        CHECK(one_clean_line(ck));
    }
    // A cycle (a list appended into itself) is refused too; it would make any depth.
    Pk cycle;
    cycle.op(']').op('q').op('\0').op('h').op('\0').op('a');
    write_all(dir + "/cycle.pth", torch_zip(cycle.done()));
    CHECK(refusal(dir + "/cycle.pth").find("cycle") != std::string::npos);
}

TEST_CASE("a 1 KB file declaring a [10^7, 3, 4, 4] weight with stride 0 allocates nothing of it") {
    const std::string dir = scratch_dir("hostile-alloc");
    Pk p;
    p.ordered_dict().op('(');
    p.str("model.model.0.weight").tensor("0", 1, {10000000, 3, 4, 4}, {0, 0, 0, 0});
    p.str("model.model.3.weight").tensor("1", 1, {16, 3, 4, 4}, {0, 0, 0, 0});
    p.op('u');
    write_all(dir + "/stride0.pth", torch_zip(p.done(), {{"0", floats({1})}, {"1", floats({1})}}));
    CHECK(fs::file_size(dir + "/stride0.pth") < 1024);
    const std::string msg = refusal(dir + "/stride0.pth");
    CHECK(msg.find("overlap") != std::string::npos);

    // A declared size that the storage does not hold, without the stride trick.
    Pk big;
    big.ordered_dict().op('(').str("w").tensor("0", 4, {10000000, 3, 4, 4}, {48, 16, 4, 1}).op('u');
    write_all(dir + "/short.pth", torch_zip(big.done(), {{"0", floats({1, 2, 3, 4})}}));
    CHECK(refusal(dir + "/short.pth").find("holds 4") != std::string::npos);

    // Peak memory of a fresh process reading each file, against one reading a valid small U-Net.
    UnetOptions o;
    o.ngf = 4;
    o.num_downs = 5;
    write_state_dict(dir + "/valid.pth", unet_state_dict(UnetGenerator(o)));
    int status = 0;
    const long baseline = child_peak_kib("--child-read-weights", dir + "/valid.pth", &status);
    REQUIRE(baseline > 0);
    const long hostile = child_peak_kib("--child-read-weights", dir + "/stride0.pth", &status);
    MESSAGE("peak RSS reading a valid unet_32: " << baseline / 1024 << " MiB; the stride-0 file: " << hostile / 1024 << " MiB");
    CHECK(WIFEXITED(status));
    CHECK(hostile < baseline + 32 * 1024);  // it asked for 1.9 GB
}

TEST_CASE("zip entries inflate within bounds (a declared 1 GiB pickle, an entry lying about its size)") {
    const std::string dir = scratch_dir("hostile-bomb");
    uint32_t crc = 0;
    const std::string payload = deflate_zeros(1ull << 30, &crc);  // about 1 MB of deflate for 1 GiB of zeros
    MESSAGE("1 GiB of zeros deflates to " << payload.size() << " bytes");
    auto bomb = [&](int64_t declared) {
        // Written by hand: the payload is deflated already.
        auto le = [](std::string& s, uint64_t v, int n) { for (int i = 0; i < n; ++i) s.push_back(char(v >> (8 * i))); };
        std::string out, h, c, e;
        const std::string name = "archive/data.pkl";
        le(h, 0x04034b50, 4); le(h, 20, 2); le(h, 0, 2); le(h, 8, 2); le(h, 0, 4); le(h, crc, 4);
        le(h, payload.size(), 4); le(h, uint64_t(declared), 4); le(h, name.size(), 2); le(h, 0, 2);
        out = h + name + payload;
        le(c, 0x02014b50, 4); le(c, 20, 2); le(c, 20, 2); le(c, 0, 2); le(c, 8, 2); le(c, 0, 4); le(c, crc, 4);
        le(c, payload.size(), 4); le(c, uint64_t(declared), 4); le(c, name.size(), 2); le(c, 0, 2); le(c, 0, 2);
        le(c, 0, 2); le(c, 0, 2); le(c, 0, 4); le(c, 0, 4);
        const uint64_t cd_offset = out.size();
        out += c + name;
        le(e, 0x06054b50, 4); le(e, 0, 2); le(e, 0, 2); le(e, 1, 2); le(e, 1, 2); le(e, c.size() + name.size(), 4);
        le(e, cd_offset, 4); le(e, 0, 2);
        return out + e;
    };
    write_all(dir + "/honest_bomb.pth", bomb(int64_t(1) << 30));
    write_all(dir + "/lying_bomb.pth", bomb(4096));
    const std::string honest = refusal(dir + "/honest_bomb.pth");
    CHECK((honest.find("a zip bomb") != std::string::npos || honest.find("at most 16777216 accepted") != std::string::npos));
    CHECK(refusal(dir + "/lying_bomb.pth").find("inflates past its declared 4096 bytes") != std::string::npos);
    CHECK(checkpoint_refusal(dir + "/lying_bomb.pth").find("inflates past") != std::string::npos);
    // Peak memory of a fresh process refusing it, against one reading a valid small U-Net: what libtorch and its
    // libraries make resident differs between machines and even between installs (from 300 to over 600 MiB here),
    // so the bound is relative. The entry would inflate to 1 GiB.
    UnetOptions o;
    o.ngf = 4;
    o.num_downs = 5;
    write_state_dict(dir + "/valid.pth", unet_state_dict(UnetGenerator(o)));
    int status = 0;
    const long baseline = child_peak_kib("--child-read-weights", dir + "/valid.pth", &status);
    REQUIRE(baseline > 0);
    const long peak = child_peak_kib("--child-read-weights", dir + "/lying_bomb.pth", &status);
    const long peak_ck = child_peak_kib("--child-read-checkpoint", dir + "/lying_bomb.pth", &status);
    MESSAGE("peak RSS reading a valid unet_32: " << baseline / 1024 << " MiB; refusing the lying 1 GiB bomb: "
            << peak / 1024 << " MiB as weights, " << peak_ck / 1024 << " MiB as a checkpoint");
    CHECK(peak < baseline + 64 * 1024);
    CHECK(peak_ck < baseline + 64 * 1024);
}

TEST_CASE("flipped bytes fail the CRC check; byteorder 'big' and legacy big-endian files load right") {
    const std::string dir = scratch_dir("hostile-crc");
    const torch::Tensor w = torch::arange(64, torch::kFloat).reshape({4, 16});
    write_state_dict(dir + "/good.pth", {{"w", w}});
    CHECK(read_state_dict(dir + "/good.pth")[0].second.equal(w));
    std::string bytes = read_all(dir + "/good.pth");
    ZipArchive zip(ByteSource::file(dir + "/good.pth"));
    const ZipEntry* data = zip.find_suffix("data/0");
    REQUIRE(data);
    bytes[size_t(data->data_offset + 100)] ^= 0x40;
    write_all(dir + "/flipped.pth", bytes);
    CHECK(refusal(dir + "/flipped.pth").find("CRC-32") != std::string::npos);

    // A ganscope checkpoint with one flipped byte of tensor data: refused before libtorch loads it.
    TrainConfig c = tiny("emoji", 0);
    DcganTask task(c, torch::kCPU);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 3, {}});
    ZipArchive ck(ByteSource::file(dir + "/checkpoint.pt"));
    const ZipEntry* largest = &ck.entries()[0];
    for (const auto& e : ck.entries())
        if (e.size > largest->size) largest = &e;
    std::string ck_bytes = read_all(dir + "/checkpoint.pt");
    ck_bytes[size_t(largest->data_offset + largest->size / 2)] ^= 0x01;
    write_all(dir + "/checkpoint_flipped.pt", ck_bytes);
    CHECK(checkpoint_refusal(dir + "/checkpoint_flipped.pt").find("CRC-32") != std::string::npos);

    // Big-endian storages, as torch.save writes them on a big-endian machine.
    std::vector<float> values = {1.5f, -2.25f, 3.0f, 1e-3f};
    std::string swapped = floats(values);
    for (size_t i = 0; i < swapped.size(); i += 4) std::reverse(swapped.begin() + long(i), swapped.begin() + long(i) + 4);
    Pk p;
    p.ordered_dict().op('(').str("w").tensor("0", 4, {2, 2}, {2, 1}).op('u');
    write_all(dir + "/big.pth", torch_zip(p.done(), {{"0", swapped}}, "big"));
    const torch::Tensor expected = torch::tensor(values).reshape({2, 2});
    CHECK(read_state_dict(dir + "/big.pth")[0].second.equal(expected));
    write_all(dir + "/big_legacy.pth", legacy_file(p.done(), {{"0", swapped}}, 4, false));
    CHECK(read_state_dict(dir + "/big_legacy.pth")[0].second.equal(expected));
    write_all(dir + "/little_legacy.pth", legacy_file(p.done(), {{"0", floats(values)}}));
    CHECK(read_state_dict(dir + "/little_legacy.pth")[0].second.equal(expected));
    // libtorch's reader ignores byteorder: a big-endian checkpoint is refused rather than loaded wrong.
    write_all(dir + "/big_checkpoint.pt", make_zip({{"archive/data.pkl", p.done()}, {"archive/byteorder", "big"},
                                                    {"archive/data/0", swapped}}));
    CHECK(checkpoint_refusal(dir + "/big_checkpoint.pt").find("byteorder") != std::string::npos);
}

TEST_CASE("absurd U-Net depths and escape bytes in keys give one escaped line") {
    const std::string dir = scratch_dir("hostile-unet");
    StateDict state = {{"model.model.0.weight", torch::zeros({8, 3, 4, 4})}, {"model.model.3.weight", torch::zeros({16, 3, 4, 4})}};
    std::string key = "model.model.1.model.";
    for (int i = 0; i < 40; ++i) key += "3.model.";
    state.emplace_back(key + "1.weight", torch::zeros({1}));
    write_state_dict(dir + "/deep_unet.pth", state);
    try {
        load_reference_generator(dir + "/deep_unet.pth", torch::kCPU);
        FAIL("a 41-level U-Net was accepted");
    } catch (const CheckpointError& e) {
        CHECK(std::string(e.what()).find("more than 9 levels deep") != std::string::npos);
        CHECK(one_clean_line(e.what()));
    }
    // Channel counts and widths beyond what a U-Net is.
    write_state_dict(dir + "/wide.pth", {{"model.model.0.weight", torch::zeros({100000, 3, 1, 1})},
                                         {"model.model.3.weight", torch::zeros({1, 3, 1, 1})}});
    CHECK_THROWS_WITH_AS(load_reference_generator(dir + "/wide.pth", torch::kCPU), doctest::Contains("width 100000"), CheckpointError);

    const std::string evil = "model.\x1b]0;pwned\x07\x1b[2J\nkey";
    write_state_dict(dir + "/escape.pth", {{evil, torch::zeros({1})}});
    try {
        load_reference_generator(dir + "/escape.pth", torch::kCPU);
        FAIL("accepted");
    } catch (const CheckpointError& e) {
        const std::string msg = e.what();
        CHECK(one_clean_line(msg));
        CHECK(msg.find("\\x1b]0;pwned\\x07\\x1b[2J\\x0akey") != std::string::npos);
    }
    // The same key as a zip entry name and a storage key.
    Pk p;
    p.ordered_dict().op('(').str("w").tensor(evil, 1, {1}, {1}).op('u');
    write_all(dir + "/escape2.pth", torch_zip(p.done()));
    const std::string msg = refusal(dir + "/escape2.pth");
    CHECK(one_clean_line(msg));
    CHECK(msg.find("\\x1b") != std::string::npos);
}

TEST_CASE("a full disk during a checkpoint save says the previous one is kept, byte for byte, no .partial") {
    const std::string dir = scratch_dir("hostile-disk");
    TrainConfig c = tiny("emoji", 0);
    DcganTask task(c, torch::kCPU);
    write_checkpoint(dir + "/probe.pt", task, {c, 1, {}});
    const uint64_t size = fs::file_size(dir + "/probe.pt");
    fs::remove(dir + "/probe.pt");
    const std::string disk = dir + "/disk";
    fs::create_directories(disk);
    FullDisk full(disk, (size * 3 / 2 + 8191) / 4096 * 4096);
    const std::string path = disk + "/checkpoint.pt";
    write_checkpoint(path, task, {c, 5, {}});
    const std::string before = read_all(path);
    full.fill();
    MESSAGE("full disk simulated with " << std::string(full.kind()));
    try {
        write_checkpoint(path, task, {c, 6, {}});
        FAIL("the save on a full disk did not fail");
    } catch (const CheckpointError& e) {
        CHECK(std::string(e.what()).find("the previous checkpoint is kept") != std::string::npos);
        CHECK(one_clean_line(e.what()));
    }
    // So does the latents file beside it and a state_dict export.
    CHECK_THROWS_AS(write_tensor_file(disk + "/fixed_latents.pt", torch::zeros({64, 64})), CheckpointError);
    CHECK_THROWS_AS(write_state_dict(disk + "/export.pth", {{"w", torch::zeros({64, 64})}}), CheckpointError);
    full.release();
    CHECK(read_all(path) == before);
    CHECK(!fs::exists(path + ".partial"));
    CHECK(!fs::exists(disk + "/fixed_latents.pt.partial"));
    CHECK(!fs::exists(disk + "/export.pth.tmp"));
    CHECK(read_checkpoint_meta(path).step == 5);
}

TEST_CASE("a second writer of a run folder is refused naming the holder; readers are not blocked") {
    const std::string data = synthetic_folder("hostile-writers-data", 8);
    const std::string run = scratch_dir("hostile-writers");
    TrainerOptions first;
    first.config = tiny(data, 0);
    first.run_dir = run;
    first.start_paused = true;
    Trainer a(first);
    for (int i = 0; i < 600 && !fs::exists(run + "/metrics.jsonl"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a.save();
    for (int i = 0; i < 600 && !fs::exists(run + "/checkpoint.pt"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(fs::exists(run + "/checkpoint.pt"));

    TrainerOptions second = first;
    second.start_paused = false;
    second.config.steps = 5;
    Trainer b(second);
    REQUIRE(b.wait(std::chrono::seconds(60)));
    const auto status = b.status().latest();
    CHECK(status->state == TrainerState::Failed);
    CHECK(status->error.find("is being written by another process (pid " + std::to_string(::getpid())) != std::string::npos);
    // Readers: the checkpoint and the metrics stay readable while the writer holds the folder.
    CHECK(read_checkpoint_meta(run + "/checkpoint.pt").step == 0);
    CHECK(fs::exists(run + "/metrics.jsonl"));
    a.stop();
    REQUIRE(a.wait(std::chrono::seconds(60)));
    // Once the writer is gone the folder is free again.
    CHECK_NOTHROW(RunLock{run});
}

TEST_CASE("resume rewrites metrics.jsonl by temp file + rename; a failing write keeps the old file whole") {
    const std::string data = synthetic_folder("hostile-metrics-data", 8);
    const std::string run = scratch_dir("hostile-metrics");
    TrainerOptions o;
    o.config = tiny(data, 16);
    o.run_dir = run;
    {
        Trainer t(o);
        REQUIRE(t.wait(std::chrono::seconds(120)));
        REQUIRE(t.status().latest()->state == TrainerState::Finished);
    }
    // As if the run trained past its checkpoint and was killed: records the resume must drop.
    {
        std::ofstream out(run + "/metrics.jsonl", std::ios::app);
        StepMetrics later;
        later.step = 20;
        out << later.to_json().dump() << "\n" << "{\"step\": 21, \"loss_g\"";  // the last line cut short
    }
    const std::string before = read_all(run + "/metrics.jsonl");
    REQUIRE(before.size() > 2000);
    {
        // Writes fail past 1.5 KB: config.json fits, the rewritten metrics do not.
        struct rlimit old {};
        getrlimit(RLIMIT_FSIZE, &old);
        struct rlimit lim = old;
        lim.rlim_cur = 1536;
        std::signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &lim);
        TrainerOptions r = o;
        r.resume = true;
        r.extra_steps = 2;
        Trainer t(r);
        const bool ended = t.wait(std::chrono::seconds(120));
        setrlimit(RLIMIT_FSIZE, &old);
        REQUIRE(ended);
        CHECK(t.status().latest()->state == TrainerState::Failed);
        CHECK(t.status().latest()->error.find("the old file is kept") != std::string::npos);
    }
    CHECK(read_all(run + "/metrics.jsonl") == before);
    CHECK(!fs::exists(run + "/metrics.jsonl.partial"));
    // With space, the resume keeps the records up to its checkpoint (16 steps) and drops the rest.
    const std::vector<StepMetrics> kept = rewrite_metrics_up_to(run + "/metrics.jsonl", 16);
    CHECK(kept.size() == 16);
    CHECK(kept.back().step == 16);
}

TEST_CASE("skipped images are counted, the first few named, all of them listed in skipped.txt") {
    const std::string data = synthetic_folder("hostile-skipped-data", 8);
    const std::string good = read_all(data + "/a/img1.png");
    for (int i = 0; i < 3; ++i) write_all(data + "/cut" + std::to_string(i) + ".png", good.substr(0, good.size() / 2));
    for (int i = 0; i < 4; ++i) write_all(data + "/fake" + std::to_string(i) + ".png", "not an image");
    write_all(data + "/\x1b[31mred.png", "not an image either");
    const std::string run = scratch_dir("hostile-skipped");
    TrainerOptions o;
    o.config = tiny(data, 12);
    o.run_dir = run;
    Trainer t(o);
    REQUIRE(t.wait(std::chrono::seconds(120)));
    const auto status = t.status().latest();
    CHECK(status->skipped_files == 8);  // 5 refused by the scan, 3 that pass the header check but fail to decode
    std::vector<std::string> lines;
    std::istringstream in(read_all(run + "/skipped.txt"));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    CHECK(lines.size() == 8);
    int cut = 0, fake = 0;
    for (const auto& l : lines) {
        cut += l.find("/cut") != std::string::npos;
        fake += l.find("/fake") != std::string::npos;
        CHECK(l.find('\x1b') == std::string::npos);
    }
    CHECK(cut == 3);
    CHECK(fake == 4);
    const std::string msg = skipped_message(lines, run + "/skipped.txt");
    CHECK(msg.find("skipped 8 unreadable images") != std::string::npos);
    CHECK(msg.find("all of them in " + run + "/skipped.txt") != std::string::npos);
    CHECK(one_clean_line(msg));
}

TEST_CASE("the checkpoint pre-check accepts real archives: checkpoints, snapshots, fixed latents, torch.save files") {
    const std::string dir = scratch_dir("hostile-accept");
    TrainConfig c = tiny("emoji", 0);
    DcganTask task(c, torch::kCPU);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 3, {}});
    const ArchiveCheck check = check_torch_archive_file(dir + "/checkpoint.pt");
    MESSAGE("checkpoint: " << check.entries << " entries, " << check.pickles << " pickles, " << check.tensors
                           << " tensors, depth " << check.max_depth << ", " << check.storage_bytes << " storage bytes");
    CHECK(check.tensors > 10);
    CHECK(check.storage_bytes <= fs::file_size(dir + "/checkpoint.pt"));
    write_tensor_file(dir + "/fixed_latents.pt", torch::randn({4, 8}));
    CHECK(check_torch_archive_file(dir + "/fixed_latents.pt").tensors == 1);
    torch::Tensor back;
    torch::load(back, dir + "/fixed_latents.pt");
    CHECK(back.sizes() == torch::IntArrayRef({4, 8}));
    write_state_dict(dir + "/export.pth", {{"a", torch::ones({3})}});
    CHECK(check_torch_archive_file(dir + "/export.pth").tensors == 1);
}

TEST_CASE("fuzz findings: images whose headers ask for gigabytes or quote raw bytes are refused in one line") {
    // tests/fuzz/regressions/image: a GIF naming a 17928 x 14136 canvas (stbi_info decoded it: 1 GB), a PNG
    // whose IDAT declares 1.36 GB in a 156-byte file, a PNG whose error quoted its chunk name's raw bytes, a BMP
    // of 38 megapixels (allowed by the app, refused by the fuzz target's smaller limit).
    const std::string dir = std::string(build_source_dir()) + "/tests/fuzz/regressions/image";
    for (const char* name : {"gif_canvas_1gb.gif", "png_idat_1gb.png", "png_chunk_name_escape.png"}) {
        CAPTURE(name);
        const std::string path = dir + "/" + name;
        const std::string bytes = read_all(path);
        REQUIRE(!bytes.empty());
        try {
            load_image(path);
            FAIL("accepted");
        } catch (const ImageError& e) {
            CHECK(one_clean_line(e.what()));
        }
        CHECK_THROWS_AS(load_image_memory(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), name), ImageError);
    }
    std::string why;
    CHECK(!probe_image(dir + "/gif_canvas_1gb.gif", &why));  // the folder scan's check allocates nothing either
    const std::string bmp = read_all(dir + "/bmp_38_megapixels.bmp");
    CHECK_THROWS_WITH_AS(load_image_memory(reinterpret_cast<const unsigned char*>(bmp.data()), bmp.size(), "bmp", {}, 4000000),
                         doctest::Contains("8x4784134 pixels"), ImageError);
}
