// `ganscope --open FILE`: a checkpoint opened on the source's own thread, so the window never waits for a file.
// Read-only. GL thread (reads), the source's loader thread (everything slow).
#include <filesystem>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "ml/run/checkpoint.h"
#include "ml/formats/safe_text.h"
#include "ml/models/task_factory.h"
#include "ml/data/tensor_image.h"
#include "ml/run/weights_exchange.h"
#include "viewer/sources/run_source.h"
#include "viewer/sources/run_files.h"
#include "viewer/sources/threaded_source.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;

class CheckpointSource final : public ThreadedSource {
public:
    explicit CheckpointSource(std::string path) : m_path(std::move(path)) {
        TrainerStatus s;
        s.state = TrainerState::Starting;
        s.message = "opening " + m_path + "...";
        m_status.publish(s);
        start([this] { load(); });
    }
    ~CheckpointSource() override { close(); }

    std::string name() const override { return m_path; }
    std::string kind() const override { return "opened"; }
    RunCapabilities capabilities() const override { return {}; }
    std::string run_dir() const override {
        const fs::path parent = fs::path(m_path).parent_path();
        return parent.empty() ? "." : parent.string();
    }

    std::string command(const RunCommand&) override {
        return "training is off: " + m_path + " is opened to explore (train it with `ganscope --resume RUN`)";
    }

private:
    void load() {
        TrainerStatus s;
        try {
            // A seed-003 generator state_dict saved by Python (G.pth) is explored like a DCGAN checkpoint.
            const std::optional<WeightsSnapshot> plain = read_plain_generator(m_path);
            const CheckpointMeta meta = plain ? CheckpointMeta{plain->config, 0, {}, {}} : read_checkpoint_meta(m_path);
            TrainConfig config = meta.config;
            const torch::Device device =
                torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
            config.device = device.str();
            auto task = make_task(config, device);
            if (plain) load_generator_weights(*task, *plain, m_path);
            else load_checkpoint(m_path, *task);
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                read_metrics_file((fs::path(run_dir()) / "metrics.jsonl").string(), m_metrics, m_bad_lines);
            }
            torch::NoGradGuard no_grad;
            m_samples.publish(display_grid(task->render_samples(), config, meta.step, task->fixed_latents()));
            m_weights.publish(task->snapshot_generator(meta.step));
            s.state = TrainerState::Finished;
            s.config = config;
            s.device = device.str();
            s.run_dir = run_dir();
            s.step = meta.step;
            s.epoch = meta.position.epoch;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (!m_metrics.records().empty()) s.last = m_metrics.records().back();
            }
            s.message = "opened " + m_path + " (step " + std::to_string(meta.step) + ")";
            if (m_bad_lines)
                s.message += "; skipped " + std::to_string(m_bad_lines) + " unreadable lines of its metrics.jsonl";
        } catch (const std::exception& e) {
            s.state = TrainerState::Failed;
            s.error = "could not open " + escape_controls(m_path) + ": " + one_line(e.what());
        }
        m_status.publish(s);
    }

    std::string m_path;
    size_t m_bad_lines = 0;
};

}  // namespace

std::unique_ptr<RunSource> make_checkpoint_source(const std::string& path) {
    return std::make_unique<CheckpointSource>(path);
}

}  // namespace ganscope
