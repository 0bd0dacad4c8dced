// Samples: the run's fixed-latent grid (or pix2pix's validation triplets), drawn by the grid shader from the
// images as they came (no tiling per publish), and the panel with zoom, pan and hover on the GPU; a click sends a
// cell's latent to the explorer or the interpolation (LatentLinks). While the Inspect panel judges this grid, its
// cells are framed in the colour of the discriminator's verdict.
#pragma once

#include "viewer/features/module.h"
#include "viewer/features/inspect/inspect_model.h"
#include "viewer/widgets/grid_model.h"
#include "viewer/features/samples/samples_panel.h"

namespace ganscope {

class SamplesModule : public Module {
public:
    explicit SamplesModule(const LatentLinks& links) : m_links(links) {}
    const char* title() const override { return "Samples"; }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView& view) override { m_panel.draw(view, m_grid, m_links); }
    void request(RunView& view) override;  // a cell asked about in the panel's menu goes to the Nearest panel
    void shutdown() override;
    // The Inspect panel's model, whose verdicts frame the cells of the grid they were made for.
    void show_verdicts_of(const InspectModel* inspect) { m_inspect = inspect; }

    const GridModel& grid() const { return m_grid; }
    const GridTexture& texture() const { return m_texture; }
    std::shared_ptr<const SampleGrid> shown() const { return m_shown; }  // the grid on screen
    // The whole grid at 1:1, drawn now if the images changed since (tests, and what a panel's wish would draw).
    const Texture& whole_texture();

private:
    void show(const RunView& view, const SampleGrid& grid);
    void frame_verdicts();

    const LatentLinks& m_links;
    GridModel m_grid;
    GridTexture m_texture;
    uint64_t m_seen = 0;
    std::shared_ptr<const SampleGrid> m_shown;  // the grid the texture holds
    const InspectModel* m_inspect = nullptr;
    std::unique_ptr<CellScores> m_scores;
    std::unique_ptr<ColorMapTexture> m_score_map;
    uint64_t m_scores_from = 0;  // the verdicts_revision uploaded
    SamplesPanel m_panel;
};

}  // namespace ganscope
