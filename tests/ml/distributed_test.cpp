// Distributed training on Gloo, ranks as threads on 127.0.0.1: bit-equal weights across ranks, a
// 2-rank step against the two shards computed apart with averaged gradients, exact resume, sharded loading.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "ml/run/checkpoint.h"
#include "ml/data/dataset.h"
#include "ml/models/dcgan.h"
#include "ml/train/distributed.h"
#include "ml/models/pix2pix.h"
#include "ml/train/trainer.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    close(fd);
    return ntohs(addr.sin_port);
}

DistOptions rank_options(int rank, int world, int port) {
    DistOptions o;
    o.rank = o.local_rank = rank;
    o.world_size = o.local_world_size = world;
    o.master_port = port;
    o.timeout = std::chrono::milliseconds(20000);
    return o;
}

TrainConfig tiny_dcgan(const std::string& data, int64_t steps) {
    TrainConfig c = test::tiny_dcgan(data, steps);
    c.grid_count = 4;
    c.sample_every = 100;
    c.snapshot_every = 1000;
    c.loader_workers = 1;
    return c;
}

// Both networks' parameters and buffers, flattened (rank 0's checkpoint or a task in memory).
torch::Tensor flat_state(GanTask& task, bool parameters_only = false) {
    std::vector<torch::Tensor> flat;
    for (auto& t : task.state_tensors())
        if (!parameters_only || t.requires_grad()) flat.push_back(t.detach().to(torch::kFloat64).flatten());
    return torch::cat(flat);
}

torch::Tensor checkpoint_state(const std::string& path) {
    auto meta = read_checkpoint_meta(path);
    DcganTask task(meta.config, torch::kCPU);
    load_checkpoint(path, task);
    return flat_state(task);
}

// Runs one Trainer per rank (threads of this process) to the end; returns rank 0's final status.
std::vector<std::shared_ptr<const TrainerStatus>> run_ranks(std::vector<TrainerOptions> ranks) {
    std::vector<std::unique_ptr<Trainer>> trainers;
    for (auto& o : ranks) trainers.push_back(std::make_unique<Trainer>(o));
    std::vector<std::shared_ptr<const TrainerStatus>> out;
    for (auto& t : trainers) {
        REQUIRE(t->wait(std::chrono::seconds(120)));
        out.push_back(t->status().latest());
    }
    return out;
}

std::vector<TrainerOptions> two_ranks(const TrainConfig& config, const std::string& run_dir, bool resume = false,
                                      int64_t extra_steps = -1) {
    const int port = free_port();
    std::vector<TrainerOptions> out;
    for (int r = 0; r < 2; ++r) {
        TrainerOptions o;
        o.config = config;
        o.run_dir = run_dir;
        o.resume = resume;
        o.extra_steps = extra_steps;
        o.dist = rank_options(r, 2, port);
        o.threads = torch::get_num_threads();  // leave libtorch's pool alone: both ranks share this process
        out.push_back(o);
    }
    return out;
}

// Two threads meet here; each sees the other's values between the two waits.
struct Rendezvous {
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;
    int64_t generation = 0;
    std::vector<torch::Tensor> grads[2];
    void wait() {
        std::unique_lock<std::mutex> lock(mutex);
        const int64_t g = generation;
        if (++arrived == 2) {
            arrived = 0;
            ++generation;
            cv.notify_all();
        } else {
            cv.wait(lock, [&] { return generation != g; });
        }
    }
};

// The reference: plain in-memory averaging of two threads' gradients, no c10d.
struct ThreadAverage : GradientSync {
    Rendezvous& meet;
    int me;
    ThreadAverage(Rendezvous& r, int rank) : meet(r), me(rank) {}
    void average(torch::nn::Module& module) override {
        std::vector<torch::Tensor> mine;
        for (auto& p : module.parameters())
            if (p.grad().defined()) mine.push_back(p.grad());
        meet.grads[me].clear();
        for (auto& g : mine) meet.grads[me].push_back(g.clone());
        meet.wait();
        std::vector<torch::Tensor> mean;
        for (size_t i = 0; i < mine.size(); ++i) mean.push_back((meet.grads[0][i] + meet.grads[1][i]) / 2);
        meet.wait();
        torch::NoGradGuard no_grad;
        for (size_t i = 0; i < mine.size(); ++i) mine[i].copy_(mean[i]);
    }
};

struct SingleThread {
    int previous = torch::get_num_threads();
    SingleThread() { torch::set_num_threads(1); }
    ~SingleThread() { torch::set_num_threads(previous); }
};

// One 2-rank step through Gloo against the two shards computed in two threads with averaged gradients.
template <class Make>
void check_two_rank_step(Make make, const Batch& global, int per_rank) {
    SingleThread single;
    std::vector<std::unique_ptr<GanTask>> dist, ref, alone;
    for (int r = 0; r < 2; ++r) {  // built one after another: construction may use libtorch's global generator
        dist.push_back(make());
        ref.push_back(make());
        seed_rank_streams(*dist.back(), 1, r);
        seed_rank_streams(*ref.back(), 1, r);
    }
    alone.push_back(make());
    auto shard = [&](int r) {
        Batch b;
        b.target = global.target.narrow(0, r * per_rank, per_rank).clone();
        if (global.input.defined()) b.input = global.input.narrow(0, r * per_rank, per_rank).clone();
        return b;
    };
    const int port = free_port();
    std::vector<std::thread> threads;
    std::string errors[2];
    for (int r = 0; r < 2; ++r)
        threads.emplace_back([&, r] {
            try {
                DistGroup group(rank_options(r, 2, port), torch::kCPU);
                GradientBuckets buckets(group, 4096);  // small buckets: several per module
                dist[size_t(r)]->set_gradient_sync(&buckets);
                broadcast_task_state(group, *dist[size_t(r)]);
                dist[size_t(r)]->train_step(shard(r));
                dist[size_t(r)]->set_gradient_sync(nullptr);
                CHECK(buckets.bucket_count() > 2);
            } catch (const std::exception& e) {
                errors[r] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(errors[0] == "");
    REQUIRE(errors[1] == "");
    threads.clear();
    Rendezvous meet;
    for (int r = 0; r < 2; ++r)
        threads.emplace_back([&, r] {
            ThreadAverage sync(meet, r);
            ref[size_t(r)]->set_gradient_sync(&sync);
            ref[size_t(r)]->train_step(shard(r));
            ref[size_t(r)]->set_gradient_sync(nullptr);
        });
    for (auto& t : threads) t.join();
    alone[0]->train_step(shard(0));

    const auto d0 = flat_state(*dist[0], true), d1 = flat_state(*dist[1], true);
    CHECK(torch::equal(d0, d1));  // the ranks agree bit for bit
    const double diff = (d0 - flat_state(*ref[0], true)).abs().max().item<double>();
    CHECK(diff <= 1e-5);
    // Without averaging rank 0 would have moved elsewhere: the comparison above can fail.
    CHECK((d0 - flat_state(*alone[0], true)).abs().max().item<double>() > 1e-4);
}

}  // namespace

TEST_CASE("distributed: environment variables give rank, world and master; bad values are named") {
    setenv("WORLD_SIZE", "4", 1);
    setenv("RANK", "2", 1);
    setenv("LOCAL_RANK", "0", 1);
    setenv("MASTER_ADDR", "10.0.0.7", 1);
    setenv("MASTER_PORT", "29555", 1);
    setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1);
    DistOptions o = dist_options_from_env();
    CHECK(o.world_size == 4);
    CHECK(o.rank == 2);
    CHECK(o.local_rank == 0);
    CHECK(o.master_addr == "10.0.0.7");
    CHECK(o.master_port == 29555);
    CHECK(o.agent_store);
    CHECK(o.enabled());
    setenv("RANK", "4", 1);
    CHECK_THROWS_WITH_AS(dist_options_from_env(), "RANK=4 is not below WORLD_SIZE=4", DistError);
    setenv("RANK", "x", 1);
    CHECK_THROWS_AS(dist_options_from_env(), DistError);
    for (const char* v : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE"}) unsetenv(v);
    CHECK(!dist_options_from_env().enabled());
}

TEST_CASE("distributed: the loader splits each global batch between ranks, in rank order") {
    std::vector<Image> images;
    for (int i = 0; i < 16; ++i) images.push_back(test::synthetic_image(8, uint32_t(i + 1)));
    auto source = std::make_shared<MemorySource>(images, "discs");
    LoaderOptions whole;
    whole.batch_size = 8;
    whole.workers = 1;
    BatchLoader single(source, center_crop_transform(8), whole);
    LoaderOptions half = whole;
    half.batch_size = 4;
    half.world_size = 2;
    LoaderOptions half1 = half;
    half1.rank = 1;
    BatchLoader r0(source, center_crop_transform(8), half), r1(source, center_crop_transform(8), half1);
    CHECK(r0.batches_per_epoch() == 2);
    for (int b = 0; b < 4; ++b) {  // two epochs
        const auto s = single.next(), a = r0.next(), c = r1.next();
        CHECK(torch::equal(s.target, torch::cat({a.target, c.target})));
    }
}

TEST_CASE("distributed: a 2-rank DCGAN step equals the two shards apart with averaged gradients") {
    TrainConfig c = tiny_dcgan("", 1);
    torch::manual_seed(3);
    Batch global;
    global.target = torch::rand({8, 3, 16, 16}) * 2 - 1;
    check_two_rank_step([&] { return std::make_unique<DcganTask>(c, torch::kCPU); }, global, 4);
}

TEST_CASE("distributed: a 2-rank pix2pix step equals the two shards apart with averaged gradients") {
    TrainConfig c;
    c.model = "pix2pix";
    c.image_size = 32;
    c.g_width = c.d_width = 4;
    c.batch_size = 2;
    torch::manual_seed(4);
    Batch global;
    global.target = torch::rand({4, 3, 32, 32}) * 2 - 1;
    global.input = torch::rand({4, 3, 32, 32}) * 2 - 1;
    check_two_rank_step([&] { return std::make_unique<Pix2PixTask>(c, torch::kCPU); }, global, 2);
}

TEST_CASE("distributed: two ranks end bit-equal; rank 0 alone writes the run; resume is exact; world size 1 warns") {
    const std::string data = test::synthetic_folder("dist-data", 24);
    const std::string whole = test::scratch_dir("dist-whole"), halves = test::scratch_dir("dist-halves");

    // 6 steps on 2 ranks; the generator snapshots of both ranks at the end are bit-equal.
    TrainConfig c = tiny_dcgan(data, 6);
    c.snapshot_every = 6;
    auto ranks = two_ranks(c, whole);
    ranks[1].run_dir = whole + "/rank1";  // would be written if rank 1 wrote anything
    std::vector<std::unique_ptr<Trainer>> trainers;
    for (auto& o : ranks) trainers.push_back(std::make_unique<Trainer>(o));
    for (auto& t : trainers) REQUIRE(t->wait(std::chrono::seconds(120)));
    auto s0 = trainers[0]->status().latest(), s1 = trainers[1]->status().latest();
    REQUIRE(s0->error == "");
    REQUIRE(s1->error == "");
    CHECK(s0->state == TrainerState::Finished);
    CHECK(s0->step == 6);
    CHECK(s1->step == 6);
    auto w0 = trainers[0]->weights().latest(), w1 = trainers[1]->weights().latest();
    REQUIRE(w0);
    REQUIRE(w1);
    CHECK(w0->step == 6);
    CHECK(w1->step == 6);
    REQUIRE(w0->tensors.size() == w1->tensors.size());
    int compared = 0;
    for (size_t i = 0; i < w0->tensors.size(); ++i) {
        // BatchNorm's running statistics are per rank (each sees its own shard), as under DDP; weights are shared.
        if (w0->tensors[i].first.find("running_") != std::string::npos) continue;
        CHECK(torch::equal(w0->tensors[i].second, w1->tensors[i].second));
        ++compared;
    }
    CHECK(compared >= 4);
    CHECK(!fs::exists(whole + "/rank1"));
    std::ifstream cfg(whole + "/config.json");
    const auto config = nlohmann::json::parse(cfg);
    CHECK(config["world_size"] == 2);
    CHECK(config["batch_size"] == 4);
    CHECK(config["global_batch_size"] == 8);
    {
        std::ifstream metrics(whole + "/metrics.jsonl");
        int lines = 0;
        for (std::string line; std::getline(metrics, line);) {
            ++lines;
            CHECK(nlohmann::json::parse(line)["images_per_sec"].get<double>() > 0);
        }
        CHECK(lines == 3);  // log_every 2, reduced over the ranks
    }
    trainers.clear();

    // 3 steps, then resume for 3 more on 2 ranks: the same weights (and random streams) as 6 uninterrupted.
    TrainConfig h = c;
    h.steps = 3;
    run_ranks(two_ranks(h, halves));
    auto resumed = run_ranks(two_ranks(tiny_dcgan(data, 0), halves, true, 3));
    REQUIRE(resumed[0]->error == "");
    CHECK(resumed[0]->step == 6);
    const auto a = checkpoint_state(whole + "/checkpoint.pt"), b = checkpoint_state(halves + "/checkpoint.pt");
    // Here both ranks are threads of this one process (tests/cli/distributed.sh asserts the same across real
    // processes). It holds only because no rank draws from libtorch's global generator: the DCGAN's initial
    // weights once did (torch::manual_seed, then normal_), and two rank threads interleaved their draws.
    CHECK(torch::equal(a, b));
    CHECK(torch::equal(read_checkpoint_meta(whole + "/checkpoint.pt").rank_streams,
                       read_checkpoint_meta(halves + "/checkpoint.pt").rank_streams));

    // The same checkpoint continues in one process, with a one-line warning, from the same global data position.
    TrainerOptions one;
    one.config = tiny_dcgan(data, 0);
    one.run_dir = halves;
    one.resume = true;
    one.extra_steps = 2;
    one.start_paused = true;
    Trainer alone(one);
    std::shared_ptr<const TrainerStatus> s;
    for (int i = 0; i < 6000 && !(s && s->state == TrainerState::Paused); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        s = alone.status().latest();
    }
    REQUIRE(s);
    CHECK(s->error == "");
    CHECK(s->message.rfind("warning: resuming a run of world size 2 with world size 1", 0) == 0);
    CHECK(s->message.find('\n') == std::string::npos);
    alone.start();
    REQUIRE(alone.wait(std::chrono::seconds(120)));
    s = alone.status().latest();
    CHECK(s->error == "");
    CHECK(s->step == 8);
    std::ifstream cfg1(halves + "/config.json");
    CHECK(nlohmann::json::parse(cfg1)["world_size"] == 1);
    // 6 global batches of 8 = 48 items, 2 epochs of 24: the single rank goes on at epoch 2, then 2 batches of 4.
    const auto meta = read_checkpoint_meta(halves + "/checkpoint.pt");
    CHECK(meta.position.epoch == 2);
    CHECK(meta.position.batch == 2);
}
