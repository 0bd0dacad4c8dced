// Samples: the run's fixed-latent grid (or pix2pix's validation triplets), drawn by the grid shader from the
// images as they came (no tiling per publish), and the panel with zoom, pan and hover on the GPU; a click sends a cell's latent to the explorer or the interpolation (LatentLinks).
#pragma once

#include "viewer/modules/module.h"
#include "viewer/panels/samples_panel.h"

namespace ganscope {

class SamplesModule : public Module {
public:
    explicit SamplesModule(const LatentLinks& links) : m_links(links) {}
    const char* title() const override { return "Samples"; }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView& view) override { m_panel.draw(view, m_grid, m_links); }
    void shutdown() override { m_texture = GridTexture(); }

    const GridModel& grid() const { return m_grid; }
    const GridTexture& texture() const { return m_texture; }

private:
    void show(const RunView& view, const SampleGrid& grid);

    const LatentLinks& m_links;
    GridModel m_grid;
    GridTexture m_texture;
    uint64_t m_seen = 0;
    SamplesPanel m_panel;
};

}  // namespace ganscope
