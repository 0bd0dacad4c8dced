// A run that trains in this process: the RunSource face of a Trainer it owns. GL thread (commands), trainer thread.
#include "viewer/sources/run_source.h"

namespace ganscope {
namespace {

class LocalRun final : public RunSource {
public:
    explicit LocalRun(TrainerOptions options) : m_run_dir(options.run_dir), m_trainer(std::move(options)) {}
    ~LocalRun() override { close(); }

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
        switch (c.kind) {
            case RunCommand::Kind::Start: m_trainer.start(); break;
            case RunCommand::Kind::Pause: m_trainer.pause(); break;
            case RunCommand::Kind::Step: m_trainer.step(c.steps); break;
            case RunCommand::Kind::Save:
                if (m_run_dir.empty()) return "this run has no folder to save into";
                m_trainer.save();
                break;
            case RunCommand::Kind::Revert: m_trainer.revert_to_checkpoint(); break;
            case RunCommand::Kind::LearningRates: m_trainer.set_learning_rates(c.lr_g, c.lr_d); break;
            case RunCommand::Kind::BatchSize: m_trainer.set_batch_size(c.batch_size); break;
        }
        return "";
    }

    void close() override {
        if (m_closed) return;
        m_closed = true;
        m_trainer.stop();  // a final checkpoint when the run has a folder
        m_trainer.wait();
    }

    Trainer& trainer() { return m_trainer; }

private:
    std::string m_run_dir;
    Trainer m_trainer;
    bool m_closed = false;
};

}  // namespace

std::unique_ptr<RunSource> make_local_run(TrainerOptions options) {
    return std::make_unique<LocalRun>(std::move(options));
}

}  // namespace ganscope
