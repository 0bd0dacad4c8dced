// Inspect: a look inside the networks, computed by the InspectWorker from the latest weights snapshot, only while
// the panel is visible. Latent-space runs: the explorer latent's feature maps for each generator block (the
// chosen block's channels tiled and colour-mapped by the grid shader) and the discriminator's verdict on each
// cell of the sample grid (the Samples panel frames the cells in its colours). pix2pix: the PatchGAN's map over
// each validation output and the |output - target| error map, tiled one per pair.
#pragma once

#include <memory>

#include "viewer/features/module.h"
#include "viewer/features/inspect/inspect_model.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/features/inspect/inspect_panel.h"
#include "viewer/features/inspect/inspect_worker.h"

namespace ganscope {

class InspectModule : public Module {
public:
    explicit InspectModule(const ExplorerModel& explorer) : m_explorer(explorer) {}
    const char* title() const override { return "Inspect"; }
    bool shown(const RunView& view) const override {
        return view.config && (view.config->has_latent_space() || view.config->image_to_image());
    }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model); }
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override;

    void set_weights(std::shared_ptr<const WeightsSnapshot> weights) { m_weights = std::move(weights); }
    const InspectModel& model() const { return m_model; }
    InspectModel& model() { return m_model; }
    const GridTexture& tiles() const { return m_tiles; }
    const GridTexture& patch_tiles() const { return m_patch; }
    const GridTexture& error_tiles() const { return m_error; }
    const InspectMaps* maps() const { return m_maps.get(); }

private:
    void show_layer();
    void show_pairs();
    void show_verdicts();
    const ColorMapTexture& map(bool diverging);

    const ExplorerModel& m_explorer;
    InspectModel m_model;
    std::shared_ptr<const WeightsSnapshot> m_weights, m_sent_weights;
    std::shared_ptr<const SampleGrid> m_grid, m_sent_grid;  // the source's newest grid, and the one judged
    std::shared_ptr<const InspectMaps> m_maps;
    uint64_t m_seen = 0, m_seen_grid = 0, m_sent_revision = ~0ull, m_last_request = 0;
    int m_shown_layer = -1;
    GridTexture m_tiles, m_patch, m_error;
    std::unique_ptr<ColorMapTexture> m_sequential, m_diverging;
    std::unique_ptr<InspectWorker> m_worker;  // made when first needed
    InspectPanel m_panel;
};

}  // namespace ganscope
