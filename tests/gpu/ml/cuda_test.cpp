// The ml core on a GPU: a CUDA step of both models, exact resume on CUDA, checkpoints crossing between CUDA and
// the CPU (open, export, eval, resume), NCCL with one rank, and the refusal of more local ranks than GPUs.
// main.cpp runs these only where torch sees a GPU.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ml/models/dcgan.h"
#include "ml/models/pix2pix.h"
#include "ml/models/task_factory.h"
#include "ml/models/translator.h"
#include "ml/run/checkpoint.h"
#include "ml/run/weights_exchange.h"
#include "ml/train/distributed.h"
#include "ml/train/quality.h"
#include "ml/train/trainer.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

const torch::Device kGpu(torch::kCUDA, 0);

TrainConfig tiny(const std::string& model, const std::string& data, const std::string& device, int64_t steps) {
    TrainConfig c;
    c.model = model;
    c.data = data;
    c.device = device;
    c.image_size = model == "pix2pix" ? 64 : 16;  // 64: the smallest U-Net with a dropout layer
    c.latent_dim = 16;
    c.g_width = c.d_width = 4;
    c.batch_size = 2;
    c.grid_count = 4;
    c.steps = steps;
    c.log_every = 2;
    c.sample_every = 100;
    c.snapshot_every = 100;
    c.checkpoint_every = 1000;
    c.swd_images = 16;
    return c;
}

std::string data_for(const std::string& model) {
    return test::synthetic_folder("gpu_data_" + model, 8, model == "pix2pix" ? 72 : 24);
}

std::shared_ptr<const TrainerStatus> run_to_end(const TrainerOptions& options) {
    Trainer trainer(options);
    REQUIRE(trainer.wait(std::chrono::seconds(300)));
    auto status = trainer.status().latest();
    REQUIRE(status);
    return status;
}

TrainerOptions run(const std::string& model, const std::string& device, int64_t steps, const std::string& name) {
    TrainerOptions o;
    o.config = tiny(model, data_for(model), device, steps);
    o.run_dir = test::scratch_dir(name);
    return o;
}

// A checkpoint's weights (G then D, flattened), read on the CPU.
torch::Tensor weights(const std::string& checkpoint) {
    const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
    auto task = make_task(meta.config, torch::kCPU);
    load_checkpoint(checkpoint, *task);
    std::vector<torch::Tensor> flat;
    for (auto& t : task->state_tensors()) flat.push_back(t.detach().flatten().to(torch::kFloat));
    return torch::cat(flat);
}

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

void check_adam_on(torch::optim::Adam& opt, torch::Device device) {
    for (auto& group : opt.param_groups())
        for (auto& p : group.params()) {
            auto it = opt.state().find(p.unsafeGetTensorImpl());
            if (it == opt.state().end()) continue;
            auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
            CHECK(s.exp_avg().device() == device);
            CHECK(s.exp_avg_sq().device() == device);
        }
}

}  // namespace

TEST_SUITE("gpu") {
    TEST_CASE("CUDA: one DCGAN step and one pix2pix step on the GPU give finite losses") {
        for (const std::string model : {"dcgan", "pix2pix"}) {
            CAPTURE(model);
            auto task = make_task(tiny(model, "", "cuda", 1), kGpu);
            Batch batch;
            const int size = model == "pix2pix" ? 64 : 16;
            batch.target = torch::rand({2, 3, size, size}, torch::TensorOptions(kGpu)) * 2 - 1;
            if (model == "pix2pix") batch.input = torch::rand({2, 3, size, size}, torch::TensorOptions(kGpu)) * 2 - 1;
            const torch::Tensor stats = task->train_step(batch);
            CHECK(stats.device() == kGpu);
            CHECK(std::isfinite(stats[kLossG].item<double>()));
            CHECK(std::isfinite(stats[kLossD].item<double>()));
            for (auto& t : task->state_tensors()) CHECK(t.device() == kGpu);
            CHECK(task->render_samples().device() == kGpu);
        }
    }

    TEST_CASE("CUDA: resume is exact, N steps equal N/2 + resume + N/2") {
        for (const std::string model : {"dcgan", "pix2pix"}) {
            CAPTURE(model);
            const TrainerOptions whole = run(model, "cuda", 6, "gpu_resume_whole_" + model);
            CHECK(run_to_end(whole)->error.empty());
            TrainerOptions first = run(model, "cuda", 3, "gpu_resume_halves_" + model);
            CHECK(run_to_end(first)->error.empty());
            TrainerOptions second = first;
            second.config.steps = 0;
            second.resume = true;
            second.extra_steps = 3;
            const auto status = run_to_end(second);
            CHECK(status->error.empty());
            CHECK(status->step == 6);
            const torch::Tensor a = weights(whole.run_dir + "/checkpoint.pt"),
                                b = weights(first.run_dir + "/checkpoint.pt");
            CHECK(torch::allclose(a, b, 1e-4, 1e-5));
            // Control: one step fewer gives other weights, so the comparison above can fail.
            const TrainerOptions shorter = run(model, "cuda", 5, "gpu_resume_short_" + model);
            run_to_end(shorter);
            CHECK_FALSE(torch::allclose(a, weights(shorter.run_dir + "/checkpoint.pt"), 1e-4, 1e-5));
        }
    }

    TEST_CASE("CUDA to CPU: a GPU run's checkpoint opens, exports, evaluates and resumes on the CPU") {
        for (const std::string model : {"dcgan", "pix2pix"}) {
            CAPTURE(model);
            const TrainerOptions gpu = run(model, "cuda", 2, "gpu_to_cpu_" + model);
            REQUIRE(run_to_end(gpu)->error.empty());
            const std::string path = gpu.run_dir + "/checkpoint.pt";
            auto task = make_task(read_checkpoint_meta(path).config, torch::kCPU);
            CHECK(load_checkpoint(path, *task).step == 2);
            for (auto& t : task->state_tensors()) CHECK(t.device().is_cpu());
            CHECK_FALSE(export_state_dict(path, ExportPart::Generator).empty());
            if (model == "pix2pix") CHECK(Translator::open(path, torch::kCPU)->config().image_size == 64);
            const CheckpointQuality q = evaluate_checkpoint(path, "cpu");
            CHECK(q.device == "cpu");
            CHECK(std::isfinite(q.record.swd));
            TrainerOptions resume = gpu;
            resume.config.device = "cpu";
            resume.resume = true;
            resume.extra_steps = 1;
            const auto status = run_to_end(resume);
            CHECK(status->error.empty());
            CHECK(status->step == 3);
            CHECK(status->device == "cpu");
        }
    }

    TEST_CASE("CPU to CUDA: a CPU run's checkpoint opens, exports, evaluates and resumes on the GPU") {
        for (const std::string model : {"dcgan", "pix2pix"}) {
            CAPTURE(model);
            const TrainerOptions cpu = run(model, "cpu", 2, "cpu_to_gpu_" + model);
            REQUIRE(run_to_end(cpu)->error.empty());
            const std::string path = cpu.run_dir + "/checkpoint.pt";
            auto task = make_task(read_checkpoint_meta(path).config, kGpu);
            CHECK(load_checkpoint(path, *task).step == 2);
            for (auto& t : task->state_tensors()) CHECK(t.device() == kGpu);
            if (auto* p2p = dynamic_cast<Pix2PixTask*>(task.get())) check_adam_on(p2p->generator_optimizer(), kGpu);
            CHECK_FALSE(export_state_dict(path, ExportPart::Generator).empty());
            if (model == "pix2pix") CHECK(Translator::open(path, kGpu)->config().image_size == 64);
            const CheckpointQuality q = evaluate_checkpoint(path, "cuda");
            CHECK(q.device == "cuda:0");
            CHECK(std::isfinite(q.record.swd));
            TrainerOptions resume = cpu;  // pix2pix: the fused Adam step meets the loaded optimiser state on the GPU
            resume.config.device = "cuda";
            resume.resume = true;
            resume.extra_steps = 1;
            const auto status = run_to_end(resume);
            CHECK(status->error.empty());
            CHECK(status->step == 3);
            CHECK(status->device == "cuda:0");
        }
    }

    TEST_CASE(
        "NCCL with world size 1: collectives take CPU tensors and give them back; a run checkpoints and resumes") {
        DistOptions o;
        o.force = true;
        o.master_port = free_port();
        o.timeout = std::chrono::milliseconds(60000);
        {
            DistGroup group(o, kGpu);
            CHECK(group.backend_name() == "nccl");
            CHECK(group.device() == kGpu);
            torch::Tensor t = torch::arange(5, torch::kFloat);
            group.broadcast({t});
            CHECK(t.device().is_cpu());
            CHECK(torch::equal(t, torch::arange(5, torch::kFloat)));
            group.allreduce_sum({t});
            CHECK(torch::equal(t, torch::arange(5, torch::kFloat)));
            const auto gathered = group.allgather(torch::arange(16, torch::kUInt8));
            REQUIRE(gathered.size() == 1);
            CHECK(gathered[0].device().is_cpu());
            CHECK(torch::equal(gathered[0], torch::arange(16, torch::kUInt8)));
        }
        TrainerOptions first = run("dcgan", "cuda", 2, "gpu_nccl_one");
        first.dist = o;
        first.dist.master_port = free_port();
        const auto done = run_to_end(first);
        CHECK(done->error.empty());
        CHECK(done->dist_backend == "nccl");
        TrainerOptions again = first;
        again.dist.master_port = free_port();
        again.resume = true;
        again.extra_steps = 1;
        const auto resumed = run_to_end(again);
        CHECK(resumed->error.empty());
        CHECK(resumed->step == 3);
    }

    TEST_CASE("more local ranks than GPUs with NCCL is refused in one line before any rendezvous") {
        const int gpus = int(torch::cuda::device_count());
        TrainerOptions o = run("dcgan", "cuda", 1, "gpu_too_many_ranks");
        o.dist.world_size = o.dist.local_world_size = gpus + 1;  // two ranks on a one-GPU machine
        o.dist.rank = o.dist.local_rank = gpus;
        o.dist.master_port = free_port();
        o.dist.timeout = std::chrono::milliseconds(5000);
        const auto t0 = std::chrono::steady_clock::now();
        const auto status = run_to_end(o);
        CHECK(status->state == TrainerState::Failed);
        CHECK(status->error.find("NCCL needs a GPU for each; use --device cpu (Gloo)") != std::string::npos);
        CHECK(status->error.find('\n') == std::string::npos);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(5000));  // refused, not timed out
    }

}  // TEST_SUITE
