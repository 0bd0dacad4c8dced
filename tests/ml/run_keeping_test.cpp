// At the run level: checkpoints kept every N epochs, resuming from one of them (--from), the linear
// learning-rate schedule before and after that resume, and the run's TensorBoard events (read by TensorBoard).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/run/kept_checkpoints.h"
#include "ml/models/lr_schedule.h"
#include "ml/run/tensorboard.h"
#include "ml/train/trainer.h"
#include "tests/ml/python_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

// 16 images, batch 8: an epoch is 2 steps. Linear schedule: 3 steps at the base rate, then 4 falling to 0.
TrainConfig keeping_config(const std::string& data, int64_t steps, const std::string& schedule) {
    TrainConfig c = test::tiny_dcgan(data, steps);
    c.batch_size = 8;
    c.grid_count = 4;
    c.log_every = 1;
    c.sample_every = 3;
    c.snapshot_every = 1000;
    c.loader_workers = 1;
    c.keep_every_epochs = 1;
    c.lr_schedule = schedule;
    c.lr_constant_steps = 3;
    c.lr_decay_steps = 4;
    return c;
}

std::shared_ptr<const TrainerStatus> run_to_end(const TrainerOptions& options) {
    Trainer trainer(options);
    REQUIRE(trainer.wait(std::chrono::seconds(180)));
    auto status = trainer.status().latest();
    REQUIRE(status);
    REQUIRE_MESSAGE(status->error.empty(), status->error);
    return status;
}

std::vector<StepMetrics> read_metrics(const std::string& run) {
    std::vector<StepMetrics> out;
    std::ifstream in(run + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(StepMetrics::from_json(nlohmann::json::parse(line)));
    return out;
}

torch::Tensor all_weights(const std::string& checkpoint) {
    auto meta = read_checkpoint_meta(checkpoint);
    DcganTask task(meta.config, torch::kCPU);
    load_checkpoint(checkpoint, task);
    std::vector<torch::Tensor> flat;
    for (auto& p : task.generator()->parameters()) flat.push_back(p.detach().flatten());
    for (auto& p : task.discriminator()->parameters()) flat.push_back(p.detach().flatten());
    return torch::cat(flat);
}

nlohmann::json read_tensorboard(const std::string& dir) {
    std::string out;
    REQUIRE_MESSAGE(test::run_tensorboard_read(dir, &out) == 0, "TensorBoard's reader failed: " << out);
    return nlohmann::json::parse(out);
}

}  // namespace

TEST_CASE("linear decay: junyanz's rule in steps") {
    TrainConfig c;
    CHECK(lr_factor(c, 0) == 1.0);
    CHECK(lr_factor(c, 1000000) == 1.0);  // constant by default
    c.lr_schedule = "linear";
    c.lr_constant_steps = 3;
    c.lr_decay_steps = 4;
    // Step indices 0..2 at the base rate; then 1 - k / 5 for the k-th decayed step; 0 from index 7 on.
    const double expected[] = {1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0, 0};
    for (int s = 0; s < 9; ++s) CHECK(lr_factor(c, s) == doctest::Approx(expected[s]).epsilon(1e-12));
    c.lr_decay_steps = 0;
    CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("--lr-decay-steps"), std::invalid_argument);
    c.lr_schedule = "cosine";
    CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("--lr-schedule cosine"), std::invalid_argument);
}

TEST_CASE("kept checkpoints every epoch; --from one of them continues exactly, schedule and TensorBoard included") {
    const std::string data = test::synthetic_folder("keeping-data", 16);
    const std::string straight = test::scratch_dir("keeping-straight"), resumed = test::scratch_dir("keeping-resumed");

    // A: 8 steps straight through.
    TrainerOptions a;
    a.config = keeping_config(data, 8, "linear");
    a.run_dir = straight;
    run_to_end(a);
    const auto kept = list_kept_checkpoints(straight);
    REQUIRE(kept.size() == 4);  // the ends of epochs 1 to 4: steps 2, 4, 6, 8
    for (int e = 1; e <= 4; ++e) {
        CHECK(kept[size_t(e - 1)] == kept_checkpoint_path(straight, e));
        const CheckpointMeta meta = read_checkpoint_meta(kept[size_t(e - 1)]);
        CHECK(meta.step == 2 * e);
        CHECK(meta.position.epoch == e);
        CHECK(meta.position.batch == 0);
    }
    for (const auto& entry : fs::directory_iterator(kept_checkpoint_dir(straight)))
        CHECK(entry.path().extension() == ".pt");  // no temp files left behind

    // The rate each logged step trained with: base 2e-4 for steps 1-3, then 1.6e-4, 1.2e-4, 0.8e-4, 0.4e-4, 0.
    const std::vector<StepMetrics> ma = read_metrics(straight);
    REQUIRE(ma.size() == 8);
    const double rates[] = {2e-4, 2e-4, 2e-4, 1.6e-4, 1.2e-4, 0.8e-4, 0.4e-4, 0.0};
    for (int s = 1; s <= 8; ++s) {
        CHECK(ma[size_t(s - 1)].step == s);
        CHECK(ma[size_t(s - 1)].lr_g == doctest::Approx(rates[s - 1]).epsilon(1e-12));
        CHECK(ma[size_t(s - 1)].lr_d == doctest::Approx(rates[s - 1]).epsilon(1e-12));
    }

    // The schedule reaches the optimiser: the same run at a constant rate matches A until the first decayed step
    // has changed the weights (its loss at step 4 was computed before that update), and differs after.
    TrainerOptions c = a;
    c.config.lr_schedule = "constant";
    c.config.keep_every_epochs = 0;
    c.run_dir = test::scratch_dir("keeping-constant");
    run_to_end(c);
    const std::vector<StepMetrics> mc = read_metrics(c.run_dir);
    REQUIRE(mc.size() == 8);
    for (int s = 1; s <= 4; ++s) CHECK(mc[size_t(s - 1)].loss_d == ma[size_t(s - 1)].loss_d);
    CHECK(mc[4].loss_d != ma[4].loss_d);
    CHECK(mc[7].lr_g == 2e-4);

    // B: 6 steps, then resume from the checkpoint kept at epoch 2 (step 4) up to step 8.
    TrainerOptions b = a;
    b.config.steps = 6;
    b.run_dir = resumed;
    run_to_end(b);
    TrainerOptions br;
    br.config = b.config;
    br.run_dir = resumed;
    br.resume = true;
    br.resume_from = "epoch_0002.pt";  // a name in the run's checkpoints/
    br.extra_steps = 4;
    const auto status = run_to_end(br);
    CHECK(status->step == 8);
    CHECK(status->lr_g_now == 0.0);  // the schedule is over
    CHECK(status->lr_g == 2e-4);     // the base rate is kept

    // Exactly as A: the same weights, the same metrics for the steps trained again, the same rates.
    CHECK(torch::equal(all_weights(resumed + "/checkpoint.pt"), all_weights(straight + "/checkpoint.pt")));
    const std::vector<StepMetrics> mb = read_metrics(resumed);
    REQUIRE(mb.size() == 8);
    for (size_t i = 0; i < 8; ++i) {
        CHECK(mb[i].step == ma[i].step);
        CHECK(mb[i].loss_g == ma[i].loss_g);
        CHECK(mb[i].loss_d == ma[i].loss_d);
        CHECK(mb[i].lr_g == ma[i].lr_g);
    }
    CHECK(read_checkpoint_meta(kept_checkpoint_path(resumed, 4)).step == 8);

    // TensorBoard: the resumed run's two event files read as one run of 8 steps, the values of its metrics.jsonl
    // (the second file's session start drops the first process's steps 5 and 6); grids at 0, 3, 6 and the last step.
    CHECK(list_event_files(resumed).size() == 2);
    const nlohmann::json tb = read_tensorboard(resumed);
    for (const char* tag : {"loss_g", "loss_d", "d_real", "d_fake", "images_per_sec", "lr_g", "lr_d", "epoch", "seconds"}) {
        INFO(tag);
        REQUIRE(tb["scalars"].contains(tag));
        const auto& values = tb["scalars"][tag];
        REQUIRE(values.size() == 8);
        for (size_t i = 0; i < 8; ++i) {
            CHECK(values[i][0] == int64_t(i + 1));
            const nlohmann::json record = mb[i].to_json();
            CHECK(values[i][1].get<double>() == double(float(record[tag].get<double>())));
        }
    }
    CHECK(!tb["scalars"].contains("loss_aux"));  // the DCGAN has none (null in metrics.jsonl)
    const auto& images = tb["images"]["samples"];
    REQUIRE(images.size() == 4);
    const int64_t steps[] = {0, 3, 6, 8};
    for (size_t i = 0; i < 4; ++i) CHECK(images[i][0] == steps[i]);

    // --from names what is there when the file is not.
    TrainerOptions bad = br;
    bad.resume_from = "epoch_0009.pt";
    Trainer trainer(bad);
    REQUIRE(trainer.wait(std::chrono::seconds(60)));
    const std::string error = trainer.status().latest()->error;
    CHECK(error.find("epoch_0009.pt") != std::string::npos);
    CHECK(error.find("epoch_0001.pt") != std::string::npos);
}
