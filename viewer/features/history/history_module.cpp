// The history slider's snapshots (see history_module.h). GL thread.
#include "viewer/features/history/history_module.h"

#include <algorithm>
#include <cmath>

#include "viewer/features/latent/latent_models.h"

namespace ganscope {

void HistoryModule::set_run_dir(const std::string& run_dir) {
    if (run_dir.empty() || (m_worker && m_worker->run_dir() == run_dir)) return;
    m_worker = std::make_unique<HistoryWorker>(run_dir);
    m_seen_images = m_seen_entries = 0;
    m_sent_step = -2;
}

void HistoryModule::shutdown() {
    m_worker.reset();
    m_grid_texture = TensorTexture();
    m_explorer_texture = TensorTexture();
}

void HistoryModule::update(RunView&, RunSource&) {
    HistoryViewModel& h = m_model;
    if (!m_worker) return;
    h.run_dir = m_worker->run_dir();
    std::shared_ptr<const std::vector<HistoryEntry>> entries;
    if (m_worker->entries().fetch_if_newer(m_seen_entries, entries)) {
        const int64_t selected = h.live() ? -1 : h.steps[size_t(h.position)];
        const bool was_live = h.live();
        h.steps.clear();
        for (const auto& e : *entries) h.steps.push_back(e.step);
        // Keep the chosen snapshot chosen when older ones are thinned away; live stays live.
        h.position = -1;
        if (!was_live) {
            auto it = std::lower_bound(h.steps.begin(), h.steps.end(), selected);
            h.position = int(std::min<size_t>(size_t(it - h.steps.begin()), h.steps.empty() ? 0 : h.steps.size() - 1));
        }
    }
    std::shared_ptr<const HistoryImages> images;
    if (m_worker->result().fetch_if_newer(m_seen_images, images)) {
        if (images->grid.defined()) {
            const int columns = m_grid.columns > 0 ? m_grid.columns : int(std::ceil(std::sqrt(double(images->grid.size(0)))));
            m_grid_texture.update(grid_image(images->grid, columns, m_grid.padding), nullptr);
            h.columns = columns;
            h.padding = m_grid.padding;
            h.cell = int(images->grid.size(3));
            h.grid_texture = m_grid_texture.imgui_id();
            h.grid_width = m_grid_texture.width();
            h.grid_height = m_grid_texture.height();
        }
        if (images->explorer.defined()) {
            m_explorer_texture.update(images->explorer[0], nullptr);
            h.explorer_texture = m_explorer_texture.imgui_id();
            h.explorer_width = m_explorer_texture.width();
            h.explorer_height = m_explorer_texture.height();
        }
        h.shown_step = images->step;
        m_shown = images;
        h.pending = images->request != m_last_request;  // an older answer: the newest is still coming
    }
    h.error = m_worker->error();
    if (!m_grid.latents.defined() && m_grid.step >= 0)  // pix2pix grids come from images, not latents
        h.error = "the history slider shows latent-space (DCGAN) runs; this grid has no latents";
    if (!h.error.empty()) h.pending = false;
    h.active = false;  // the History tab sets it again while it is drawn
}

void HistoryModule::apply(RunView&, RunSource&) {
    // A snapshot's image asked about in the panel's menu: to the Nearest panel.
    if (m_model.nearest != -1 && m_shown && m_links.nearest) {
        const int which = m_model.nearest;
        const std::string step = std::to_string(m_shown->step);
        if (which >= 0 && m_shown->grid.defined() && which < m_shown->grid.size(0))
            m_links.nearest(m_shown->grid[which],
                            "sample " + std::to_string(which + 1) + " of the snapshot of step " + step);
        else if (which == -2 && m_shown->explorer.defined())
            m_links.nearest(m_shown->explorer[0], "the explorer's latent in the snapshot of step " + step);
    }
    m_model.nearest = -1;
    // History: render the chosen snapshot when the choice or the latents change, and only while visible.
    HistoryViewModel& h = m_model;
    if (!m_worker || !h.active || h.live()) return;
    if (!m_grid.latents.defined()) return;  // pix2pix: see update()
    const int64_t step = h.steps[size_t(h.position)];
    const ExplorerModel& e = m_explorer;
    if (step == m_sent_step && e.revision == m_sent_explorer) return;
    m_sent_step = step;
    m_sent_explorer = e.revision;
    torch::Tensor explorer = e.base.defined() ? explorer_latent(e) : torch::Tensor();
    m_last_request = m_worker->request(step, m_grid.latents.clone(), explorer.defined() ? explorer.clone() : explorer);
    h.pending = true;
}

}  // namespace ganscope
