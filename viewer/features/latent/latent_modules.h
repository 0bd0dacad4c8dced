// The latent-space modules: the Explorer (one latent, moved along random and GANSpace directions) and the
// Interpolation (A to B strips and random walks). Both draw through one generator on its own thread, the
// LatentWorker that LatentService makes when the first latent-space weights arrive.
#pragma once

#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "viewer/features/module.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/features/latent/interpolation_panel.h"
#include "viewer/features/latent/latent_panel.h"
#include "ml/models/latent.h"
#include "viewer/features/latent/latent_worker.h"

namespace ganscope {

class LatentService {
public:
    // The newest generator weights of a latent-space run; the worker starts on the weights' device.
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    LatentWorker* worker() const { return m_worker.get(); }  // null before the first weights
    void shutdown() { m_worker.reset(); }

private:
    std::unique_ptr<LatentWorker> m_worker;
};

class ExplorerModule : public Module {
public:
    ExplorerModule(LatentService& latent, const LatentLinks& links) : m_latent(latent), m_links(links) {}
    const char* title() const override { return "Latent explorer"; }
    bool shown(const RunView& view) const override { return view.config && view.config->has_latent_space(); }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model, m_links); }
    void request(RunView& view) override;
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override { m_texture = TensorTexture(); }

    void explore(const torch::Tensor& latent, const std::string& from) { explore_latent(m_model, latent, from); }
    const ExplorerModel& model() const { return m_model; }
    ExplorerModel& model() { return m_model; }
    const TensorTexture& texture() const { return m_texture; }
    // Frames from an edit to the frame that draws its image (0: the same frame), for the last edits whose images
    // were shown (latest-wins skips the rest).
    const std::vector<int>& latency_frames() const { return m_latency; }

private:
    LatentService& m_latent;
    const LatentLinks& m_links;
    ExplorerModel m_model;
    TensorTexture m_texture;
    uint64_t m_seen = 0, m_seen_pca = 0, m_sent = ~0ull;
    std::deque<std::pair<uint64_t, uint64_t>> m_requests;  // request id, frame sent
    std::vector<int> m_latency;
    std::shared_ptr<const LatentImages> m_shown;  // the image on screen (for the Nearest panel)
    bool m_pca_requested = false;
    LatentPanel m_panel;
};

class InterpolationModule : public Module {
public:
    InterpolationModule(LatentService& latent, const LatentLinks& links) : m_latent(latent), m_links(links) {}
    const char* title() const override { return "Interpolation"; }
    bool shown(const RunView& view) const override { return view.config && view.config->has_latent_space(); }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model, m_links); }
    void request(RunView& view) override;
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override { m_strip_texture = TensorTexture(); m_walk_texture = TensorTexture(); }

    void set_end(int end, const torch::Tensor& latent);  // 0: A, 1: B
    const InterpolationModel& model() const { return m_model; }
    InterpolationModel& model() { return m_model; }
    const TensorTexture& walk_texture() const { return m_walk_texture; }

private:
    LatentService& m_latent;
    const LatentLinks& m_links;
    InterpolationModel m_model;
    TensorTexture m_strip_texture, m_walk_texture;
    uint64_t m_seen_strip = 0, m_seen_walk = 0, m_sent = ~0ull;
    std::shared_ptr<const LatentImages> m_shown_strip;  // the strip on screen (for the Nearest panel)
    std::unique_ptr<LatentWalk> m_walk;
    InterpolationPanel m_panel;
};

}  // namespace ganscope
