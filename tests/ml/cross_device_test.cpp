// Files written on one device open on another, and devices are named and checked: checkpoints carrying a CUDA
// run's layout (CUDA random states, storages tagged cuda:0) read on the CPU, optimiser state follows its
// parameters, and the device choices (--device, a rank's GPU, where collectives run) are pure functions tried
// with any GPU count. What needs a real GPU is in tests/gpu.
#include <doctest/doctest.h>

#include <set>

#include "ml/models/dcgan.h"
#include "ml/models/pix2pix.h"
#include "ml/models/translator.h"
#include "ml/formats/zip_archive.h"
#include "ml/run/checkpoint.h"
#include "ml/run/history.h"
#include "ml/run/weights_exchange.h"
#include "ml/train/device.h"
#include "ml/train/distributed.h"
#include "ml/train/quality.h"
#include "tests/ml/hostile_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

TrainConfig tiny_dcgan() {
    TrainConfig c;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 4;
    c.g_width = c.d_width = 2;
    c.grid_count = 4;
    return c;
}

// A CUDA generator's state: 16 bytes (seed and offset), where a CPU one's is about 5 KB.
torch::Tensor cuda_generator_state() { return torch::arange(16, torch::kUInt8); }

// Copies an archive's entries (recursively) into `out`, leaving out the top-level keys in `skip`.
void copy_archive(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out,
                  const std::set<std::string>& skip = {}) {
    for (const std::string& key : in.keys()) {
        if (key == "training" || skip.count(key)) continue;
        torch::serialize::InputArchive sub;
        torch::Tensor t;
        c10::IValue v;
        if (in.try_read(key, sub)) {
            torch::serialize::OutputArchive o;
            copy_archive(sub, o);
            out.write(key, o);
        } else if (in.try_read(key, t)) {
            out.write(key, t);
        } else if (in.try_read(key, v)) {
            out.write(key, v);
        }
    }
}

// `src` rewritten to `dst` without the keys in `skip` and with `extra` added: the layout another device writes.
void rewrite_checkpoint(const std::string& src, const std::string& dst, const std::set<std::string>& skip,
                        const std::vector<std::pair<std::string, torch::Tensor>>& extra) {
    torch::serialize::InputArchive in;
    in.load_from(src, torch::Device(torch::kCPU));
    torch::serialize::OutputArchive out;
    copy_archive(in, out, skip);
    for (const auto& [key, t] : extra) out.write(key, t);
    out.save_to(dst);
}

// The file with every storage's device tag turned from "cpu" into `location`, as a run on that device writes it
// (a storage's persistent id is ('storage', type, key, location, numel)). Returns how many tags were changed.
int retag_storages(const std::string& path, const std::string& location) {
    ZipArchive zip(ByteSource::file(path));
    std::vector<test::ZipItem> items;
    const std::string from = std::string("X\x03\x00\x00\x00", 5) + "cpu";
    std::string to = "X";
    const uint32_t n = uint32_t(location.size());
    to.append(reinterpret_cast<const char*>(&n), 4);
    to += location;
    int changed = 0;
    for (const ZipEntry& e : zip.entries()) {
        std::string data = zip.read(e, uint64_t(1) << 30);
        if (e.name.size() > 4 && e.name.compare(e.name.size() - 4, 4, ".pkl") == 0)
            for (size_t at = data.find(from); at != std::string::npos; at = data.find(from, at + to.size())) {
                data.replace(at, from.size(), to);
                ++changed;
            }
        items.push_back({e.name, data});
    }
    test::write_all(path, test::make_zip(items));
    return changed;
}

// Whether libtorch's own reader, without a map location, fails on this file here: true for a file whose tensors
// are tagged CUDA on a machine without a GPU (the precondition of the tests below).
bool plain_load_fails(const std::string& path) {
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        return false;
    } catch (const std::exception&) {
        return true;
    }
}

std::vector<torch::Tensor> weights_of(torch::nn::Module& m) {
    std::vector<torch::Tensor> out;
    for (auto& p : m.parameters()) out.push_back(p.detach().clone());
    return out;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!torch::equal(a[i], b[i])) return false;
    return true;
}

}  // namespace

TEST_CASE("a DCGAN checkpoint from a CUDA run (its 16-byte generator state) loads on the CPU") {
    const std::string dir = test::scratch_dir("cross_device_dcgan_rng");
    const TrainConfig c = tiny_dcgan();
    DcganTask saved(c, torch::kCPU);
    write_checkpoint(dir + "/cpu.pt", saved, {c, 3, {0, 1}});
    const auto weights = weights_of(*saved.generator());

    TrainConfig other = c;
    other.seed = 99;  // other initial weights, so a load visibly replaces them
    SUBCASE("the single key of earlier versions, holding a CUDA state") {
        rewrite_checkpoint(dir + "/cpu.pt", dir + "/cuda.pt", {"rng", "rng_cpu"}, {{"rng", cuda_generator_state()}});
        // What a load of that key into a CPU generator does: it throws (the file would not fit "this model").
        torch::serialize::InputArchive in;
        in.load_from(dir + "/cuda.pt", torch::Device(torch::kCPU));
        at::Generator cpu_rng = make_random_generator(torch::kCPU, 1);
        CHECK_THROWS(load_generator_state(in, "rng", cpu_rng));
    }
    SUBCASE("the per-device key a CUDA run writes now, and no CPU state") {
        rewrite_checkpoint(dir + "/cpu.pt", dir + "/cuda.pt", {"rng", "rng_cpu"},
                           {{"rng_cuda", cuda_generator_state()}});
    }
    DcganTask loaded(other, torch::kCPU);
    const at::Generator fresh = make_random_generator(torch::kCPU, other.seed);
    CHECK(load_checkpoint(dir + "/cuda.pt", loaded).step == 3);
    CHECK(all_equal(weights_of(*loaded.generator()), weights));
    // The noise stream goes on from this task's own seed: nothing was restored into it.
    CHECK(torch::equal(loaded.rank_streams()[0].get_state(), at::Generator(fresh).get_state()));
    // And the run trains on.
    const torch::Tensor real = torch::rand({2, 3, 16, 16}) * 2 - 1;
    const torch::Tensor stats = loaded.train_step({real, {}});
    CHECK(std::isfinite(stats[kLossG].item<double>()));
    CHECK(std::isfinite(stats[kLossD].item<double>()));
}

TEST_CASE("a DCGAN checkpoint keeps the CPU generator state under the CPU key and restores it exactly") {
    const std::string dir = test::scratch_dir("cross_device_dcgan_cpu_key");
    const TrainConfig c = tiny_dcgan();
    DcganTask a(c, torch::kCPU);
    const torch::Tensor real = torch::rand({2, 3, 16, 16}) * 2 - 1;
    a.train_step({real, {}});  // the stream has moved on from its seed
    write_checkpoint(dir + "/ckpt.pt", a, {c, 1, {0, 1}});
    torch::serialize::InputArchive in;
    in.load_from(dir + "/ckpt.pt", torch::Device(torch::kCPU));
    torch::Tensor state;
    CHECK(in.try_read("rng_cpu", state));
    CHECK_FALSE(in.try_read("rng_cuda", state));
    DcganTask b(c, torch::kCPU);
    load_checkpoint(dir + "/ckpt.pt", b);
    CHECK(torch::equal(b.rank_streams()[0].get_state(), a.rank_streams()[0].get_state()));
}

TEST_CASE("a checkpoint whose tensors are tagged cuda:0 opens, exports and evaluates on the CPU") {
    const std::string dir = test::scratch_dir("cross_device_tagged");
    SUBCASE("DCGAN: open and export") {
        const TrainConfig c = tiny_dcgan();
        DcganTask saved(c, torch::kCPU);
        write_checkpoint(dir + "/ckpt.pt", saved, {c, 5, {0, 1}});
        REQUIRE(retag_storages(dir + "/ckpt.pt", "cuda:0") > 0);
        if (!torch::cuda::is_available()) REQUIRE(plain_load_fails(dir + "/ckpt.pt"));

        CHECK(read_checkpoint_meta(dir + "/ckpt.pt").step == 5);
        DcganTask loaded(c, torch::kCPU);
        load_checkpoint(dir + "/ckpt.pt", loaded);
        CHECK(all_equal(weights_of(*loaded.generator()), weights_of(*saved.generator())));
        for (const auto& p : loaded.generator()->parameters()) CHECK(p.device().is_cpu());
        const StateDict exported = export_state_dict(dir + "/ckpt.pt", ExportPart::Generator);
        REQUIRE_FALSE(exported.empty());
        CHECK(exported[0].second.device().is_cpu());
    }
    SUBCASE("pix2pix: open for translation and eval") {
        TrainConfig c;
        c.model = "pix2pix";
        c.device = "cpu";
        c.image_size = 32;
        c.g_width = c.d_width = 2;
        c.grid_count = 2;
        Pix2PixTask saved(c, torch::kCPU);
        saved.set_validation(torch::rand({2, 3, 32, 32}) * 2 - 1, torch::rand({2, 3, 32, 32}) * 2 - 1);
        write_checkpoint(dir + "/ckpt.pt", saved, {c, 2, {0, 1}});
        REQUIRE(retag_storages(dir + "/ckpt.pt", "cuda:0") > 0);
        if (!torch::cuda::is_available()) REQUIRE(plain_load_fails(dir + "/ckpt.pt"));

        const auto translator = Translator::open(dir + "/ckpt.pt", torch::kCPU);
        CHECK(translator->config().image_size == 32);
        const CheckpointQuality q = evaluate_checkpoint(dir + "/ckpt.pt", "cpu");
        CHECK(q.device == "cpu");
        CHECK(std::isfinite(q.record.val_l1));
    }
}

TEST_CASE("a history snapshot whose tensors are tagged cuda:0 loads on the CPU") {
    const std::string dir = test::scratch_dir("cross_device_snapshot");
    DcganTask task(tiny_dcgan(), torch::kCPU);
    const WeightsSnapshot written = task.snapshot_generator(7);
    save_snapshot(dir + "/snap.pt", written);
    REQUIRE(retag_storages(dir + "/snap.pt", "cuda:0") > 0);
    if (!torch::cuda::is_available()) {  // libtorch's own reader, without a map location, fails on it here
        const std::string bytes = test::read_all(dir + "/snap.pt");
        CHECK_THROWS(torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end())));
    }
    const WeightsSnapshot read = load_snapshot(dir + "/snap.pt");
    CHECK(read.step == 7);
    REQUIRE(read.tensors.size() == written.tensors.size());
    for (size_t i = 0; i < read.tensors.size(); ++i) {
        CHECK(read.tensors[i].second.device().is_cpu());
        CHECK(torch::equal(read.tensors[i].second, written.tensors[i].second));
    }
}

TEST_CASE("optimiser state read from a checkpoint follows its parameters to their device") {
    // The meta device stands in for a GPU: a device other than the CPU that exists on every machine.
    torch::Tensor cpu_param = torch::randn({3, 2}, torch::requires_grad());
    torch::optim::Adam cpu_opt({cpu_param}, torch::optim::AdamOptions(1e-3));
    cpu_param.mutable_grad() = torch::ones({3, 2});
    cpu_opt.step();
    torch::serialize::OutputArchive out;
    save_optimizer(out, "optimizer", cpu_opt);
    std::ostringstream bytes;
    out.save_to(bytes);

    torch::Tensor elsewhere = torch::zeros({3, 2}, torch::TensorOptions(torch::kMeta).requires_grad(true));
    {  // libtorch's own load leaves the moments where the archive was read: the CPU
        torch::optim::Adam plain({elsewhere}, torch::optim::AdamOptions(1e-3));
        std::istringstream plain_bytes(bytes.str());
        torch::serialize::InputArchive in, sub;
        in.load_from(plain_bytes, torch::Device(torch::kCPU));
        REQUIRE(in.try_read("optimizer", sub));
        plain.load(sub);
        const auto& s = static_cast<torch::optim::AdamParamState&>(*plain.state().at(elsewhere.unsafeGetTensorImpl()));
        CHECK(s.exp_avg().device().is_cpu());
    }
    torch::optim::Adam opt({elsewhere}, torch::optim::AdamOptions(1e-3));
    std::istringstream in_bytes(bytes.str());
    torch::serialize::InputArchive in;
    in.load_from(in_bytes, torch::Device(torch::kCPU));
    load_optimizer(in, "optimizer", opt);
    auto it = opt.state().find(elsewhere.unsafeGetTensorImpl());
    REQUIRE(it != opt.state().end());
    auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
    CHECK(state.step() == 1);
    CHECK(state.exp_avg().device().is_meta());
    CHECK(state.exp_avg_sq().device().is_meta());
}

TEST_CASE("random streams gathered on another device type are not restored; the rank reseeds instead") {
    DcganTask task(tiny_dcgan(), torch::kCPU);
    const torch::Tensor own = task.rank_streams()[0].get_state();
    // world 1 x streams 1 x bytes: what a CUDA run's rank 0 gathered
    CHECK_FALSE(restore_rank_streams(task, cuda_generator_state().view({1, 1, 16}), 0));
    CHECK(torch::equal(task.rank_streams()[0].get_state(), own));
    CHECK(restore_rank_streams(task, own.view({1, 1, -1}), 0));
}

TEST_CASE("--device: cuda means cuda:0; indices past the last GPU and GPUs on a machine without one are refused") {
    CHECK(resolve_device("cpu", 0) == torch::Device(torch::kCPU));
    CHECK(resolve_device("cpu", 2) == torch::Device(torch::kCPU));
    CHECK(resolve_device("auto", 0) == torch::Device(torch::kCPU));
    CHECK(resolve_device("auto", 2) == torch::Device(torch::kCUDA, 0));
    CHECK(resolve_device("cuda", 1) == torch::Device(torch::kCUDA, 0));
    CHECK(resolve_device("cuda", 1).index() == 0);
    CHECK(resolve_device("cuda:1", 2) == torch::Device(torch::kCUDA, 1));
    CHECK_THROWS_WITH_AS(resolve_device("cuda", 0),
                         doctest::Contains("no CUDA GPU is available here; use --device cpu"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve_device("cuda:0", 0), doctest::Contains("use --device cpu"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve_device("cuda:1", 1), doctest::Contains("has 1 GPU (cuda:0)"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve_device("cuda:4", 2), doctest::Contains("2 GPUs (cuda:0 to cuda:1)"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve_device("gpu", 1), doctest::Contains("use auto, cpu or cuda[:N]"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve_device("meta", 1), doctest::Contains("use auto, cpu or cuda[:N]"),
                         std::invalid_argument);
    // Each refusal is one line.
    try {
        resolve_device("cuda:3", 1);
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
}

TEST_CASE("a rank's GPU is its local rank's; more local ranks than GPUs with NCCL is refused in one line") {
    DistOptions o;
    o.world_size = 2;
    o.local_world_size = 2;
    o.rank = o.local_rank = 1;
    CHECK(rank_device(torch::Device(torch::kCUDA, 0), o, 2) == torch::Device(torch::kCUDA, 1));
    CHECK(rank_device(torch::kCPU, o, 1) == torch::Device(torch::kCPU));  // Gloo: any number of ranks
    CHECK_THROWS_WITH_AS(rank_device(torch::Device(torch::kCUDA, 0), o, 1),
                         doctest::Contains("2 ranks on this machine but 1 GPU"), DistError);
    CHECK_THROWS_WITH_AS(rank_device(torch::Device(torch::kCUDA, 0), o, 1), doctest::Contains("--device cpu"),
                         DistError);
    o.rank = o.local_rank = 0;  // rank 0 of the two is refused as well, not left waiting for its partner
    CHECK_THROWS_AS(rank_device(torch::Device(torch::kCUDA, 0), o, 1), DistError);
    DistOptions single;  // no process group: the device asked for
    CHECK(rank_device(torch::Device(torch::kCUDA, 0), single, 1) == torch::Device(torch::kCUDA, 0));
}

TEST_CASE("collectives run where their backend works: NCCL on the rank's GPU, Gloo on the CPU") {
    CHECK(collective_device("gloo", torch::kCPU) == torch::Device(torch::kCPU));
    CHECK(collective_device("nccl", torch::Device(torch::kCUDA, 1)) == torch::Device(torch::kCUDA, 1));
    CHECK_THROWS_AS(collective_device("nccl", torch::kCPU), std::logic_error);
    CHECK_THROWS_AS(collective_device("mpi", torch::kCPU), std::logic_error);
}
