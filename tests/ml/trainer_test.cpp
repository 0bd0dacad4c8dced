// The background trainer: commands, publishing, run-folder output, exact resume, checkpoint errors.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/train/trainer.h"
#include "test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

TrainConfig tiny_config(const std::string& data, int64_t steps) { return test::tiny_dcgan(data, steps); }

std::shared_ptr<const TrainerStatus> run_to_end(TrainerOptions options) {
    Trainer trainer(std::move(options));
    REQUIRE(trainer.wait(std::chrono::seconds(120)));
    return trainer.status().latest();
}

torch::Tensor generator_weights(const std::string& checkpoint) {
    auto meta = read_checkpoint_meta(checkpoint);
    DcganTask task(meta.config, torch::kCPU);
    load_checkpoint(checkpoint, task);
    std::vector<torch::Tensor> flat;
    for (auto& p : task.generator()->parameters()) flat.push_back(p.detach().flatten());
    for (auto& p : task.discriminator()->parameters()) flat.push_back(p.detach().flatten());
    return torch::cat(flat);
}

}  // namespace

TEST_CASE("a headless run writes config, metrics, samples and a checkpoint") {
    const std::string data = test::synthetic_folder("trainer-data", 24);
    const std::string run = test::scratch_dir("trainer-run");
    TrainerOptions o;
    o.config = tiny_config(data, 8);
    o.run_dir = run;
    auto status = run_to_end(o);
    REQUIRE(status);
    CHECK(status->state == TrainerState::Finished);
    CHECK(status->error.empty());
    CHECK(status->step == 8);
    CHECK(status->epoch == 1);  // 24 images / batch 4 = 6 batches per epoch
    CHECK(fs::exists(run + "/config.json"));
    CHECK(fs::exists(run + "/checkpoint.pt"));
    CHECK(fs::exists(run + "/fixed_latents.pt"));
    CHECK(fs::exists(run + "/samples/step_00000000.png"));
    CHECK(fs::exists(run + "/samples/step_00000008.png"));
    std::ifstream metrics(run + "/metrics.jsonl");
    int lines = 0;
    for (std::string line; std::getline(metrics, line);) ++lines;
    CHECK(lines == 4);  // every 2 steps
    CHECK_FALSE(status->message_routine);  // the final checkpoint: a terminal always says it
}

TEST_CASE("a periodic checkpoint's message is marked routine, for terminals to say it rarely") {
    TrainerOptions o;
    o.config = tiny_config(test::synthetic_folder("trainer-data", 24), 0);
    o.config.checkpoint_every = 2;
    o.run_dir = test::scratch_dir("trainer-routine");
    o.start_paused = true;
    Trainer trainer(o);
    trainer.step(2);
    std::shared_ptr<const TrainerStatus> s;
    for (int i = 0; i < 600 && !(s && s->step == 2 && s->state == TrainerState::Paused); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        s = trainer.status().latest();
    }
    REQUIRE(s);
    REQUIRE(s->step == 2);
    CHECK(s->message.rfind("periodic checkpoint saved at step 2", 0) == 0);
    CHECK(s->message_routine);
    trainer.stop();
    CHECK(trainer.wait(std::chrono::seconds(30)));
}

TEST_CASE("resume is exact: N steps equal N/2 + resume + N/2") {
    const std::string data = test::synthetic_folder("resume-data", 20);
    const std::string whole = test::scratch_dir("resume-whole"), halves = test::scratch_dir("resume-halves");
    TrainerOptions a;
    a.config = tiny_config(data, 10);
    a.run_dir = whole;
    run_to_end(a);

    TrainerOptions b = a;
    b.config.steps = 5;
    b.run_dir = halves;
    run_to_end(b);
    TrainerOptions c;
    c.config = tiny_config(data, 0);
    c.run_dir = halves;
    c.resume = true;
    c.extra_steps = 5;
    auto status = run_to_end(c);
    CHECK(status->step == 10);

    auto wa = generator_weights(whole + "/checkpoint.pt"), wb = generator_weights(halves + "/checkpoint.pt");
    CHECK(torch::allclose(wa, wb, 1e-5, 1e-6));
    // ...and training really moved the weights, so the comparison means something.
    TrainerOptions d = a;
    d.config.steps = 2;
    d.run_dir = test::scratch_dir("resume-short");
    run_to_end(d);
    CHECK(!torch::allclose(wa, generator_weights(d.run_dir + "/checkpoint.pt"), 1e-5, 1e-6));
}

TEST_CASE("commands: pause, single step, learning rate, batch size, weights and samples are published") {
    const std::string data = test::synthetic_folder("commands-data", 16);
    TrainerOptions o;
    o.config = tiny_config(data, 0);
    o.start_paused = true;
    Trainer trainer(o);
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 600; ++i) {
            auto s = trainer.status().latest();
            if (s && pred(*s)) return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("trainer did not reach the expected state");
        return trainer.status().latest();
    };
    auto s = wait_for([](const TrainerStatus& s) { return s.state == TrainerState::Paused; });
    CHECK(s->step == 0);
    REQUIRE(trainer.samples().latest());
    CHECK(trainer.samples().latest()->images.sizes() == torch::IntArrayRef({9, 3, 16, 16}));
    trainer.step(3);
    s = wait_for([](const TrainerStatus& s) { return s.step == 3 && s.state == TrainerState::Paused; });
    CHECK(trainer.command({RunCommand::Kind::LearningRates, 0, 1e-3, 5e-4}).empty());
    CHECK(trainer.command({RunCommand::Kind::BatchSize, 0, 0, 0, 8}).empty());
    trainer.step(1);
    s = wait_for([](const TrainerStatus& s) { return s.step == 4 && s.state == TrainerState::Paused; });
    CHECK(s->lr_g == doctest::Approx(1e-3));
    CHECK(s->lr_d == doctest::Approx(5e-4));
    // The optimisers themselves step with the new rates (not only the config's echo).
    CHECK(s->lr_g_optimizer == doctest::Approx(1e-3));
    CHECK(s->lr_d_optimizer == doctest::Approx(5e-4));
    CHECK(s->batch_size == 8);
    CHECK(trainer.samples().latest()->step == 4);
    trainer.request_weights();
    trainer.step(1);
    s = wait_for([](const TrainerStatus& s) { return s.step == 5; });
    wait_for([&](const TrainerStatus&) { return trainer.weights().latest() && trainer.weights().latest()->step >= 4; });
    trainer.start();
    wait_for([](const TrainerStatus& s) { return s.step >= 8; });
    trainer.pause();
    wait_for([](const TrainerStatus& s) { return s.state == TrainerState::Paused; });
    CHECK(trainer.history().size() >= 3);
    trainer.stop();
    CHECK(trainer.wait(std::chrono::seconds(30)));
}

TEST_CASE("commands are checked by the command line's rules before they reach the run") {
    CHECK(command_problem({RunCommand::Kind::LearningRates, 0, 2e-4, 2e-4}).empty());
    CHECK(command_problem({RunCommand::Kind::LearningRates, 0, 1.0, 2e-4}).find("--lr-g 1:") == 0);
    CHECK(command_problem({RunCommand::Kind::LearningRates, 0, 2e-4, 0.0}).find("--lr-d 0:") == 0);
    CHECK(!command_problem({RunCommand::Kind::LearningRates, 0, std::nan(""), 2e-4}).empty());
    CHECK(command_problem({RunCommand::Kind::BatchSize, 0, 0, 0, 4097}) == "--batch 4097: use 1 to 4096");
    CHECK(!command_problem({RunCommand::Kind::Step, 0}).empty());
    CHECK(command_problem({RunCommand::Kind::Pause}).empty());
    TrainConfig c = tiny_config("emoji", 0);
    c.lr_g = 1.5;
    CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("--lr-g 1.5"), std::invalid_argument);
}

TEST_CASE("a learning rate command reaches the optimisers through the schedule, and a bad one changes nothing") {
    const std::string data = test::synthetic_folder("lr-command-data", 16);
    TrainerOptions o;
    o.config = tiny_config(data, 0);
    o.config.lr_schedule = "linear";  // half the base rate at step 2 of 4 steps: 2 constant, then 2 falling
    o.config.lr_constant_steps = 2;
    o.config.lr_decay_steps = 4;
    o.run_dir = test::scratch_dir("lr-command");
    o.start_paused = true;
    Trainer trainer(o);
    auto wait_for = [&](auto pred) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            auto s = trainer.status().latest();
            if (s && pred(*s)) return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        FAIL("trainer did not reach the expected state");
        return trainer.status().latest();
    };
    trainer.step(4);
    wait_for([](const TrainerStatus& s) { return s.step == 4 && s.state == TrainerState::Paused; });
    CHECK(trainer.command({RunCommand::Kind::LearningRates, 0, 1e-3, 5e-4}).empty());
    auto s = wait_for([](const TrainerStatus& s) { return s.lr_g == 1e-3; });
    const double f = s->lr_g_now / s->lr_g;  // the schedule's factor at this step
    CHECK(f > 0);
    CHECK(f < 1);
    CHECK(s->lr_g_optimizer == doctest::Approx(1e-3 * f));
    CHECK(s->lr_d_optimizer == doctest::Approx(5e-4 * f));
    // A rate the command line refuses is refused here too, and the run keeps its rates.
    CHECK(trainer.command({RunCommand::Kind::LearningRates, 0, 1.0, 1e-4}).find("--lr-g 1") == 0);
    trainer.save();
    trainer.stop();
    REQUIRE(trainer.wait(std::chrono::seconds(60)));
    CHECK(trainer.status().latest()->lr_g == doctest::Approx(1e-3));
    CHECK(read_checkpoint_meta(o.run_dir + "/checkpoint.pt").config.lr_g == doctest::Approx(1e-3));
}

TEST_CASE("bad data fails the run with the folder's name, not a crash") {
    TrainerOptions o;
    o.config = tiny_config(test::scratch_dir("trainer-missing") + "/absent", 4);
    auto status = run_to_end(o);
    CHECK(status->state == TrainerState::Failed);
    CHECK(status->error.find("absent") != std::string::npos);
}

TEST_CASE("checkpoints: atomic, and foreign or damaged files are named clearly") {
    const std::string dir = test::scratch_dir("checkpoints");
    TrainConfig c = tiny_config("emoji", 0);
    DcganTask task(c, torch::kCPU);
    const std::string path = dir + "/checkpoint.pt";
    write_checkpoint(path, task, {c, 7, {1, 2}});
    auto meta = read_checkpoint_meta(path);
    CHECK(meta.step == 7);
    CHECK(meta.position.batch == 2);
    CHECK(!fs::exists(path + ".partial"));

    // Another architecture: the message names the mismatched keys.
    TrainConfig bigger = c;
    bigger.image_size = 32;
    DcganTask other(bigger, torch::kCPU);
    CHECK_THROWS_WITH_AS(load_checkpoint(path, other), doctest::Contains("net.0.weight"), CheckpointError);

    // Truncated file.
    const auto size = fs::file_size(path);
    fs::copy_file(path, dir + "/cut.pt");
    fs::resize_file(dir + "/cut.pt", size / 2);
    CHECK_THROWS_WITH_AS(read_checkpoint_meta(dir + "/cut.pt"), doctest::Contains("truncated or corrupt"), CheckpointError);
    CHECK_THROWS_WITH_AS(read_checkpoint_meta(dir + "/none.pt"), doctest::Contains("no such checkpoint"), CheckpointError);

    // A write that cannot happen leaves the good checkpoint untouched.
    const auto before = fs::file_size(path);
    CHECK_THROWS_AS(write_checkpoint(dir + "/no/such/dir/checkpoint.pt", task, {c, 8, {}}), CheckpointError);
    CHECK(fs::file_size(path) == before);
}

namespace {
// A DCGAN whose losses turn NaN from a given step on, as a diverging run's would.
struct DivergingTask : DcganTask {
    DivergingTask(const TrainConfig& c, torch::Device d, int64_t from) : DcganTask(c, d), from_step(from) {}
    torch::Tensor train_step(const Batch& batch) override {
        auto stats = DcganTask::train_step(batch);
        return ++steps >= from_step ? stats * std::numeric_limits<float>::quiet_NaN() : stats;
    }
    int64_t from_step, steps = 0;
};
}  // namespace

TEST_CASE("a NaN loss pauses training with the step, and the last good checkpoint stays") {
    const std::string data = test::synthetic_folder("nan-data", 16);
    const std::string run = test::scratch_dir("nan-run");
    TrainerOptions o;
    o.config = tiny_config(data, 0);
    o.config.checkpoint_every = 4;
    o.config.log_every = 1;
    o.run_dir = run;
    o.make_task = [](const TrainConfig& c, torch::Device d) { return std::make_unique<DivergingTask>(c, d, 6); };
    Trainer trainer(o);
    std::shared_ptr<const TrainerStatus> s;
    for (int i = 0; i < 600 && !(s && !s->error.empty()); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        s = trainer.status().latest();
    }
    REQUIRE(s);
    CHECK(s->state == TrainerState::Paused);
    CHECK(s->error.find("by step 6") != std::string::npos);
    const auto good = fs::last_write_time(run + "/checkpoint.pt");
    CHECK(read_checkpoint_meta(run + "/checkpoint.pt").step == 4);
    trainer.save();  // refused: the weights are not finite
    trainer.start();  // refused until reverted
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(trainer.status().latest()->step == 6);
    CHECK(fs::last_write_time(run + "/checkpoint.pt") == good);
    trainer.revert_to_checkpoint();
    for (int i = 0; i < 200 && trainer.status().latest()->step != 4; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(trainer.status().latest()->step == 4);
    CHECK(trainer.status().latest()->error.empty());
}
