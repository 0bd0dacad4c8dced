// `ganscope watch runs/NAME`: a run folder that another process writes, followed by polling (inotify does not see
// writes over NFS or sshfs). Read-only. GL thread (reads), the source's poll thread (all file reading).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "ml/run/checked_archive.h"
#include "ml/run/history.h"
#include "ml/models/latent.h"
#include "viewer/sources/run_files.h"
#include "viewer/sources/run_source.h"
#include "viewer/sources/threaded_source.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class FolderSource final : public ThreadedSource {
public:
    FolderSource(std::string run_dir, double poll_seconds)
        : m_run_dir(std::move(run_dir)), m_poll(std::max(0.02, poll_seconds)), m_tail(m_run_dir + "/metrics.jsonl") {
        TrainerStatus s;
        s.state = TrainerState::Starting;
        s.run_dir = m_run_dir;
        s.message = "following " + m_run_dir + ": waiting for its config.json";
        m_status.publish(s);
        start([this] { follow(); });
    }
    ~FolderSource() override { close(); }

    std::string name() const override { return m_run_dir; }
    std::string kind() const override { return "following"; }
    RunCapabilities capabilities() const override { return {false, false, true}; }
    std::string run_dir() const override { return m_run_dir; }

    std::string command(const RunCommand&) override {
        return "read-only: " + m_run_dir + " is trained by another process; steer it there";
    }

private:
    void follow() {
        for (;;) {
            try {
                poll_once();
                m_error.clear();
            } catch (const std::exception& e) {
                m_error = e.what();  // shown in the status; tried again at the next poll
                publish_status();
            }
            if (!pause_for(m_poll)) return;
        }
    }

    void poll_once() {
        if (!m_config) read_config();
        if (!m_config) return;
        bool changed = false;
        std::vector<StepMetrics> records = m_tail.poll();
        if (m_tail.restarted()) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_metrics = MetricsHistory();
        }
        if (!records.empty()) {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (const StepMetrics& m : records) m_metrics.push(m);
            m_last = records.back();
            changed = true;
        }
        if (auto sample = newest_sample(m_run_dir); sample && sample->step != m_grid_step) {
            // A grid PNG is written to a temporary name and renamed, so a listed one is whole.
            const int64_t count = m_config->has_latent_space() && m_latents.defined() ? m_latents.size(0) : 0;
            torch::Tensor cells = cells_of_grid_png(sample->path, m_config->image_size, 2, count);
            m_samples.publish(display_grid(cells, *m_config, sample->step, m_latents));
            m_grid_step = sample->step;
            changed = true;
        }
        const std::vector<HistoryEntry> history = list_history(m_run_dir);
        if (!history.empty() && history.back().step != m_snapshot_step) {
            // Snapshots are renamed into place whole; one that still fails to load is tried again next time.
            WeightsSnapshot snapshot = load_snapshot(history.back().path);
            m_snapshot_step = history.back().step;
            m_weights.publish(std::move(snapshot));
            changed = true;
        }
        std::error_code ec;
        const auto alerts_size = fs::file_size(m_run_dir + "/alerts.jsonl", ec);
        if (!ec && alerts_size != m_alerts_size) {
            m_alerts = read_alerts_file(m_run_dir + "/alerts.jsonl");
            m_alerts_size = alerts_size;
            changed = true;
        }
        if (changed || Clock::now() - m_last_status > std::chrono::seconds(1)) publish_status();
    }

    void read_config() {
        std::ifstream in(m_run_dir + "/config.json");
        if (!in) return;
        try {
            m_config = TrainConfig::from_json(nlohmann::json::parse(in));
        } catch (const std::exception&) {
            return;  // being written: next poll
        }
        if (m_config->has_latent_space()) {
            const std::string path = m_run_dir + "/fixed_latents.pt";
            m_latents = torch::Tensor();
            m_latents_note.clear();
            if (fs::exists(path)) {
                try {
                    m_latents = read_fixed_latents(path, m_config->grid_count, m_config->latent_dim);
                } catch (const std::exception& e) {
                    m_latents_note = std::string(e.what()) + "; using the latents the run's seed makes";
                }
            }
            if (!m_latents.defined())
                m_latents = make_fixed_latents(m_config->grid_count, m_config->latent_dim, m_config->seed);
        }
        publish_status();
    }

    void publish_status() {
        TrainerStatus s;
        s.run_dir = m_run_dir;
        s.error = m_error;
        if (m_config) {
            s.config = *m_config;
            s.device = m_config->device == "auto" ? "elsewhere" : m_config->device;  // chosen by the training process
            s.data_description = m_config->data;
            s.total_steps = m_config->steps;
            s.batch_size = m_config->batch_size;
            s.lr_g = m_config->lr_g;
            s.lr_d = m_config->lr_d;
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            s.last = m_last;
        }
        s.step = m_last.step;
        s.epoch = m_last.epoch;
        s.alerts = m_alerts;
        s.alerts_raised = int64_t(m_alerts.size());
        describe_progress(s);
        const bool done = s.total_steps > 0 && s.step >= s.total_steps;
        s.state = !m_config ? TrainerState::Starting : done ? TrainerState::Finished : TrainerState::Running;
        // How long ago the run last wrote a record, by the file's own time: records read in one go at the start
        // may be hours old.
        double age = -1;
        std::error_code ec;
        const auto written = fs::last_write_time(m_run_dir + "/metrics.jsonl", ec);
        if (!ec) age = std::chrono::duration<double>(fs::file_time_type::clock::now() - written).count();
        s.message = "following " + m_run_dir + " (read-only)";
        if (age >= 0 && age < 60) s.message += ": last record " + std::to_string(int(age)) + " s ago";
        else if (age >= 60)
            s.message += ": no new records for " + std::to_string(int(age / 60)) + " min; is the run still training?";
        if (size_t bad = m_tail.bad_lines()) s.message += "; " + std::to_string(bad) + " unreadable lines skipped";
        if (!m_latents_note.empty()) s.message += "; " + m_latents_note;
        m_last_status = Clock::now();
        m_status.publish(s);
    }

    std::string m_run_dir;
    double m_poll;
    MetricsTail m_tail;                 // poll thread
    std::optional<TrainConfig> m_config;  // poll thread
    torch::Tensor m_latents;            // poll thread
    int64_t m_grid_step = -1, m_snapshot_step = -1;
    std::vector<Alert> m_alerts;  // poll thread: the run's alerts.jsonl
    uintmax_t m_alerts_size = 0;
    StepMetrics m_last;                 // under m_mutex (written by the poll thread)
    Clock::time_point m_last_status;
    std::string m_error;
    std::string m_latents_note;  // why fixed_latents.pt was not used
};

}  // namespace

std::unique_ptr<RunSource> make_folder_source(const std::string& run_dir, double poll_seconds) {
    return std::make_unique<FolderSource>(run_dir, poll_seconds);
}

}  // namespace ganscope
