// History: the time slider over the run's generator snapshots (runs/NAME/history/step_*.pt). The chosen
// snapshot renders the grid's fixed latents and the explorer's latent on the HistoryWorker's thread, only while
// the tab is visible; at the slider's live end it shows the Samples grid and the explorer's image as they are.
#pragma once

#include <memory>
#include <string>

#include "viewer/features/module.h"
#include "viewer/features/history/history_model.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/widgets/grid_model.h"
#include "viewer/features/history/history_panel.h"
#include "viewer/features/history/history_worker.h"

namespace ganscope {

class HistoryModule : public Module {
public:
    HistoryModule(const GridModel& grid, const ExplorerModel& explorer, const LatentLinks& links)
        : m_grid(grid), m_explorer(explorer), m_links(links) {}
    const char* title() const override { return "History"; }
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model, m_grid, m_explorer); }
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override;

    // Where the history snapshots are (the run folder); empty: no history.
    void set_run_dir(const std::string& run_dir);
    const HistoryViewModel& model() const { return m_model; }
    HistoryViewModel& model() { return m_model; }
    const TensorTexture& grid_texture() const { return m_grid_texture; }
    const TensorTexture& explorer_texture() const { return m_explorer_texture; }

private:
    const GridModel& m_grid;
    const ExplorerModel& m_explorer;
    const LatentLinks& m_links;
    std::shared_ptr<const HistoryImages> m_shown;  // the snapshot's images on screen (for the Nearest panel)
    HistoryViewModel m_model;
    std::unique_ptr<HistoryWorker> m_worker;
    uint64_t m_seen_images = 0, m_seen_entries = 0;
    int64_t m_sent_step = -2;
    uint64_t m_last_request = 0;
    uint64_t m_sent_explorer = ~0ull;
    TensorTexture m_grid_texture, m_explorer_texture;
    HistoryPanel m_panel;
};

}  // namespace ganscope
