// Training history: snapshot files round-trip, thinning keeps an even spread, and scrubbing reproduces the
// images each snapshot's generator made during training.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "ml/models/dcgan.h"
#include "ml/run/history.h"
#include "ml/models/pix2pix.h"
#include "test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

TrainConfig tiny_config() {
    TrainConfig c = test::tiny_dcgan("emoji", 0);
    c.batch_size = 8;
    c.grid_count = 6;
    c.device = "auto";
    return c;
}

Batch random_batch(int64_t n, uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    Batch b;
    b.target = torch::rand({n, 3, 16, 16}, gen) * 2 - 1;
    return b;
}

std::vector<HistoryEntry> entries_at(std::initializer_list<int64_t> steps, uint64_t bytes = 100) {
    std::vector<HistoryEntry> out;
    for (int64_t s : steps) out.push_back({s, "step" + std::to_string(s), bytes});
    return out;
}

}  // namespace

TEST_CASE("snapshot files round-trip names, tensors, step and config") {
    const std::string dir = test::scratch_dir("history_roundtrip");
    DcganTask task(tiny_config(), torch::kCPU);
    task.train_step(random_batch(8, 1));
    WeightsSnapshot s = task.snapshot_generator(1);
    const std::string path = dir + "/" + snapshot_file_name(1);
    save_snapshot(path, s);
    CHECK(fs::path(path).filename() == "step_00000001.pt");
    CHECK_FALSE(fs::exists(path + ".tmp"));
    WeightsSnapshot back = load_snapshot(path);
    CHECK(back.step == 1);
    CHECK(back.config.to_json() == s.config.to_json());
    REQUIRE(back.tensors.size() == s.tensors.size());
    for (size_t i = 0; i < s.tensors.size(); ++i) {
        CHECK(back.tensors[i].first == s.tensors[i].first);
        CHECK(torch::equal(back.tensors[i].second, s.tensors[i].second));
    }
    // A file cut short (a crash mid-copy) is refused with its name.
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir + "/cut.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK_THROWS_WITH(load_snapshot(dir + "/cut.pt"), doctest::Contains("cut.pt"));
    CHECK_THROWS_WITH(load_snapshot(dir + "/absent.pt"), doctest::Contains("absent.pt"));
}

TEST_CASE("thinning keeps the first and newest and spreads the rest evenly") {
    auto entries = entries_at({0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100});
    auto drop = plan_thinning(entries, 5, UINT64_MAX);
    REQUIRE(drop.size() == 6);
    std::vector<int64_t> kept;
    for (size_t i = 0; i < entries.size(); ++i)
        if (std::find(drop.begin(), drop.end(), i) == drop.end()) kept.push_back(entries[i].step);
    CHECK(kept.front() == 0);
    CHECK(kept.back() == 100);
    for (size_t i = 1; i < kept.size(); ++i) {
        CHECK(kept[i] - kept[i - 1] >= 20);
        CHECK(kept[i] - kept[i - 1] <= 40);
    }
    // The size bound: 11 x 100 bytes within 450 keeps 4.
    CHECK(plan_thinning(entries, 100, 450).size() == 7);
    CHECK(plan_thinning(entries, 100, UINT64_MAX).empty());
}

TEST_CASE("HistoryWriter writes when due and stays within its bound on disk") {
    const std::string run = test::scratch_dir("history_writer");
    DcganTask task(tiny_config(), torch::kCPU);
    HistoryOptions options;
    options.every_steps = 3;
    options.max_count = 4;
    {
        HistoryWriter writer(run, options);
        int written = 0;
        for (int64_t step = 0; step <= 30; ++step) {
            if (writer.due(step, 0)) written += writer.maybe_write(task.snapshot_generator(step), 0);
            writer.flush();  // in order, as when training steps take longer than a file write
        }
        CHECK(written == 11);  // 0, 3, ..., 30
        writer.flush();
        CHECK(writer.error().empty());
    }
    auto entries = list_history(run);
    REQUIRE(entries.size() == 4);
    CHECK(entries.front().step == 0);
    CHECK(entries.back().step == 30);
    int files = 0;
    for (const auto& item : fs::directory_iterator(history_dir(run))) files += item.is_regular_file();
    CHECK(files == 4);

    // Once per epoch when every_steps is 0; a resumed writer continues the folder.
    HistoryWriter epochs(run, HistoryOptions{});
    CHECK_FALSE(epochs.due(30, 2));  // already on disk
    CHECK(epochs.due(31, 2));
    CHECK(epochs.maybe_write(task.snapshot_generator(31), 2));
    CHECK_FALSE(epochs.due(32, 2));
    CHECK(epochs.due(40, 3));
}

TEST_CASE("scrubbing snapshots yields the images those generators produced during training") {
    const std::string run = test::scratch_dir("history_scrub");
    DcganTask task(tiny_config(), torch::kCPU);
    std::map<int64_t, torch::Tensor> rendered;
    {
        HistoryOptions options;
        options.every_steps = 4;
        HistoryWriter writer(run, options);
        for (int64_t step = 0; step <= 12; ++step) {
            if (step > 0) task.train_step(random_batch(8, uint64_t(step)));
            if (writer.due(step, 0)) {
                writer.maybe_write(task.snapshot_generator(step), 0);
                rendered[step] = task.render_samples().clone();
            }
        }
    }
    HistoryScrubber scrubber(run);
    REQUIRE(scrubber.entries().size() == 4);
    const torch::Tensor latents = task.fixed_latents();
    for (size_t i = 0; i < scrubber.entries().size(); ++i) {
        int64_t step = scrubber.entries()[i].step;
        INFO("step " << step);
        REQUIRE(rendered.count(step));
        torch::Tensor images = scrubber.render(i, latents);
        CHECK(images.sizes() == rendered[step].sizes());
        CHECK(torch::allclose(images, rendered[step], 1e-5, 1e-6));
    }
    // Training changed the generator, so the scrubber really shows different moments.
    CHECK_FALSE(torch::allclose(scrubber.render(0, latents), scrubber.render(3, latents), 1e-3, 1e-3));
    CHECK(scrubber.index_at_step(5) == 1);
    CHECK(scrubber.index_at_step(-3) == 0);
    CHECK(scrubber.index_at_step(1000) == 3);
    CHECK(scrubber.generator(2).step() == 8);
}

TEST_CASE("pix2pix snapshots translate the validation inputs as the task did at that step") {
    const std::string run = test::scratch_dir("history_pix2pix");
    TrainConfig c = tiny_config();
    c.model = "pix2pix";
    c.batch_size = 2;
    Pix2PixTask task(c, torch::kCPU);
    auto gen = at::detail::createCPUGenerator(7);
    torch::Tensor inputs = torch::rand({2, 3, 16, 16}, gen) * 2 - 1, targets = torch::rand({2, 3, 16, 16}, gen) * 2 - 1;
    task.set_validation(inputs, targets);
    std::map<int64_t, torch::Tensor> rendered;
    {
        HistoryOptions options;
        options.every_steps = 3;
        HistoryWriter writer(run, options);
        for (int64_t step = 0; step <= 3; ++step) {
            if (step > 0) task.train_step(Batch{torch::rand({2, 3, 16, 16}, gen) * 2 - 1, torch::rand({2, 3, 16, 16}, gen) * 2 - 1});
            if (writer.maybe_write(task.snapshot_generator(step), 0)) rendered[step] = task.translate(inputs).clone();
        }
    }
    HistoryScrubber scrubber(run);
    REQUIRE(scrubber.entries().size() == 2);
    CHECK(scrubber.generator(0).is_image_to_image());
    for (size_t i = 0; i < 2; ++i) {
        const int64_t step = scrubber.entries()[i].step;
        INFO("step " << step);
        CHECK(torch::allclose(scrubber.render(i, inputs), rendered.at(step), 1e-5, 1e-6));
    }
    CHECK_FALSE(torch::allclose(scrubber.render(0, inputs), scrubber.render(1, inputs), 1e-3, 1e-3));
}
