// Nearest: for an image the window shows (a Samples cell: right-click, Nearest in the training set), its k nearest
// training images in pixels at the training size (ml/metrics/nearest.h), found by the NearestWorker off the GL
// thread; the first request builds (or reads from the cache) the index of the run's data.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "viewer/features/module.h"
#include "viewer/features/nearest/nearest_model.h"
#include "viewer/features/nearest/nearest_panel.h"
#include "viewer/features/nearest/nearest_worker.h"
#include "viewer/widgets/tensor_texture.h"

namespace ganscope {

class NearestModule : public Module {
public:
    const char* title() const override { return "Nearest"; }
    bool shown(const RunView& view) const override { return view.config && view.config->has_latent_space(); }
    bool busy() const override { return m_model.pending; }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model); }
    void shutdown() override;

    // Asks for the nearest training images of `image` (3 x H x W in [-1, 1], any device).
    void query(const torch::Tensor& image, const std::string& from);
    const NearestModel& model() const { return m_model; }

private:
    std::optional<TrainConfig> m_config;
    NearestModel m_model;
    std::unique_ptr<NearestWorker> m_worker;  // made at the first query
    uint64_t m_seen = 0, m_last_request = 0;
    TensorTexture m_query;
    std::vector<TensorTexture> m_matches;
    NearestPanel m_panel;
};

}  // namespace ganscope
