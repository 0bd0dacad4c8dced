// The App's data flow each frame before the panels draw: the source's status and weights into the RunView and
// to the modules that use them, then every module's own update. Main (GL) thread only.
#include "viewer/window/app.h"

#include <chrono>

namespace ganscope {

void App::update_sources() {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    RunView& v = m_view;
    RunSource& run = *m_run;
    // A new grid of the window's own run is taken in this frame: the time below is what that publish costs here.
    const bool own_publish = run.samples().generation() != m_seen_own_grids;
    m_seen_own_grids = run.samples().generation();
    double compare_ms = 0;
    std::shared_ptr<const TrainerStatus> status;
    if (run.status().fetch_if_newer(m_seen_status, status)) {
        v.status = status;
        if (status->state != TrainerState::Starting && status->config.image_size > 0) {
            v.config = status->config;
            if (!m_announced) {  // the run's config is known: the modules set themselves up for it
                m_announced = true;
                const TrainConfig& c = status->config;
                v.image_size = c.image_size;
                if (c.has_latent_space() && c.latent_dim > 0) v.latent_dim = c.latent_dim;
                if (!v.run.live) v.notify(status->message);
                for (Module* m : m_modules) m->on_run_known(v, *status);
            }
        }
        if (status->state == TrainerState::Failed && !v.run.commands && !status->error.empty()) {
            v.source = run.name() + " - " + status->error;  // a checkpoint that cannot be read: said, nothing written
            v.notify(status->error, 1e9);
        }
    }
    std::shared_ptr<const WeightsSnapshot> weights;
    if (run.weights().fetch_if_newer(m_seen_weights, weights)) {
        if (weights->config.image_to_image()) {
            // pix2pix has no latent space: its generator goes to the Translate module's worker.
            m_translate.set_weights(weights);
        } else {
            m_latent.set_weights(weights);
            m_record.set_weights(weights);
            m_project.set_weights(weights);
        }
        m_inspect.set_weights(weights);
    }
    for (Module* m : m_modules) {
        if (m != &m_compare) {
            m->update(v, run);
            continue;
        }
        const auto c0 = Clock::now();  // the compared runs' intake is the Compare module's to measure
        m->update(v, run);
        compare_ms = std::chrono::duration<double, std::milli>(Clock::now() - c0).count();
    }
    if (own_publish) {
        if (m_own_publish_ms.size() >= 100000) m_own_publish_ms.clear();
        m_own_publish_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() - compare_ms);
    }
    PerformanceModel& perf = m_performance.model();
    const GridTexture& grid = m_samples.texture();
    perf.grid_upload_ms = grid.last_upload_ms();
    perf.interop = grid.used_interop();
    if (!grid.interop_note().empty()) perf.interop_note = grid.interop_note();
    perf.latent_upload_ms = m_explorer.texture().last_upload_ms();
    perf.explorer_ms = m_explorer.model().inference_ms;
}

}  // namespace ganscope
