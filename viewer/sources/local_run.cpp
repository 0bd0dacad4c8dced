// A run that trains in this process: the RunSource face of a Trainer it owns. GL thread (commands), trainer thread.
#include "viewer/sources/run_source.h"

namespace ganscope {
namespace {

class LocalRun final : public RunSource {
public:
    explicit LocalRun(TrainerOptions options)
        : m_run_dir(options.run_dir), m_owned(std::make_unique<Trainer>(std::move(options))), m_trainer(*m_owned) {}
    LocalRun(Trainer& trainer, std::string run_dir) : m_run_dir(std::move(run_dir)), m_trainer(trainer) {}
    ~LocalRun() override {
        if (m_owned) close();
    }

    std::string name() const override { return m_run_dir.empty() ? "(not saved)" : m_run_dir; }
    std::string kind() const override { return "training"; }
    RunCapabilities capabilities() const override { return {true, !m_run_dir.empty(), true}; }
    std::string run_dir() const override { return m_run_dir; }

    const LatestSlot<TrainerStatus>& status() const override { return m_trainer.status(); }
    const LatestSlot<SampleGrid>& samples() const override { return m_trainer.samples(); }
    const LatestSlot<WeightsSnapshot>& weights() const override { return m_trainer.weights(); }
    std::vector<StepMetrics> metrics_since(int64_t after_step) const override {
        return m_trainer.metrics_since(after_step);
    }

    std::string command(const RunCommand& c) override {
        if (c.kind == RunCommand::Kind::Save && m_run_dir.empty()) return "this run has no folder to save into";
        return m_trainer.command(c);
    }

    void close() override {
        if (m_closed) return;
        m_closed = true;
        m_trainer.stop();  // a final checkpoint when the run has a folder
        m_trainer.wait();
    }

private:
    std::string m_run_dir;
    std::unique_ptr<Trainer> m_owned;  // null when the trainer belongs to the caller (make_trainer_source)
    Trainer& m_trainer;
    bool m_closed = false;
};

}  // namespace

std::unique_ptr<RunSource> make_local_run(TrainerOptions options) {
    return std::make_unique<LocalRun>(std::move(options));
}

std::unique_ptr<RunSource> make_trainer_source(Trainer& trainer, const std::string& run_dir) {
    return std::make_unique<LocalRun>(trainer, run_dir);
}

}  // namespace ganscope
