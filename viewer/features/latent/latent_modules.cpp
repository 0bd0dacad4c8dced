// The Explorer and Interpolation modules and their shared generator thread (see latent_modules.h). GL thread.
#include "viewer/features/latent/latent_modules.h"

#include <algorithm>

#include <imgui.h>

#include "ml/models/dcgan.h"
#include "ml/models/latent.h"

namespace ganscope {

void LatentService::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!m_worker) {
        const torch::Device device = render_device(*weights);
        m_worker = std::make_unique<LatentWorker>(device);
    }
    m_worker->set_weights(std::move(weights));
}

void ExplorerModule::on_run_known(RunView& view, const TrainerStatus& status) {
    const TrainConfig& c = status.config;
    if (!c.has_latent_space() || c.latent_dim <= 0) return;
    ExplorerModel& e = m_model;
    const int random = std::min(6, c.latent_dim);
    e.random_directions = random_orthonormal_directions(random, c.latent_dim, 7);
    e.random_offsets.assign(size_t(random), 0.0f);
    e.pca_directions = torch::Tensor();
    e.pca_offsets.clear();
    e.pad_axes[0] = 0;
    e.pad_axes[1] = std::min(1, random - 1);
    // The run's first fixed latent: the explorer starts on the grid's first cell.
    e.base = make_fixed_latents(std::max(1, c.grid_count), c.latent_dim, c.seed)[0].clone();
    ++e.revision;
    (void)view;
}

void ExplorerModule::update(RunView& view, RunSource&) {
    LatentWorker* worker = m_latent.worker();
    if (!worker) return;
    ExplorerModel& e = m_model;
    std::shared_ptr<const LatentImages> r;
    if (worker->result(LatentJob::Explorer).fetch_if_newer(m_seen, r) && r->images.defined()) {
        m_texture.update(r->images[0], r->ready.get());
        m_shown = r;
        // Edit to screen, in frames: the edit's frame sent the request; this frame draws its image.
        for (const auto& [id, frame] : m_requests)
            if (id == r->request) {
                if (m_latency.size() >= 4096) m_latency.erase(m_latency.begin());
                m_latency.push_back(int(view.frame - frame));
            }
        while (!m_requests.empty() && m_requests.front().first <= r->request) m_requests.pop_front();
        e.image = image_of(m_texture);
        e.weights_step = r->weights_step;
        e.inference_ms = r->ms;
    }
    std::shared_ptr<const PcaResult> pca;
    if (worker->pca().fetch_if_newer(m_seen_pca, pca)) {
        const torch::Tensor fresh = pca->directions.directions.cpu();
        // A refresh of the same shape keeps the sliders where they are, along the directions' new estimates.
        const bool refresh = e.pca_directions.defined() && e.pca_directions.sizes() == fresh.sizes();
        e.pca_directions = align_directions(fresh, e.pca_directions);
        e.pca_explained = pca->directions.explained;
        if (!refresh) e.pca_offsets.assign(size_t(e.pca_directions.size(0)), 0.0f);
        e.pca_pending = false;
        e.pca_step = pca->weights_step;
        e.message = "GANSpace directions from the weights of step " + std::to_string(pca->weights_step);
        ++e.revision;
    }
    std::string error = worker->error();
    if (!error.empty()) e.message = "generator: " + error;
    // GANSpace directions as soon as the first weights are in the worker, then again as the run trains.
    if (!m_pca_requested && worker->weights_step() >= 0) {
        m_pca_requested = true;
        e.request_pca = true;
    }
    if (e.pca_follow && !e.pca_pending && pca_due(e.pca_step, worker->weights_step())) e.request_pca = true;
}

void ExplorerModule::request(RunView& view) {
    LatentWorker* worker = m_latent.worker();
    if (!worker) return;
    ExplorerModel& e = m_model;
    if (e.base.defined() && e.revision != m_sent) {
        m_sent = e.revision;
        const uint64_t id = worker->request(LatentJob::Explorer, explorer_latent(e).unsqueeze(0));
        m_requests.emplace_back(id, view.frame);
        if (m_requests.size() > 256) m_requests.pop_front();
    }
    if (e.request_pca) {
        e.request_pca = false;
        e.pca_pending = true;
        worker->request_pca(512, std::min(8, view.latent_dim));
    }
}

void ExplorerModule::apply(RunView& view, RunSource&) {
    ExplorerModel& e = m_model;
    try {
        if (e.copy_text && e.base.defined()) {
            e.paste_text = latent_to_text(explorer_latent(e));
            ImGui::SetClipboardText(e.paste_text.c_str());
            e.message = "copied the latent (" + std::to_string(view.latent_dim) + " numbers)";
        }
        if (e.apply_text) explore(latent_from_text(e.paste_text, view.latent_dim), "pasted latent");
        if (e.save_file && e.base.defined()) {
            save_latent(e.file_path, explorer_latent(e));
            e.message = "saved " + e.file_path;
        }
        if (e.load_file) explore(load_latent(e.file_path, view.latent_dim), e.file_path);
    } catch (const std::exception& ex) {
        e.message = ex.what();  // bad text or file: say so in the panel; the current latent is kept
    }
    e.copy_text = e.apply_text = e.save_file = e.load_file = false;
    if (e.nearest && m_shown && m_links.nearest)
        m_links.nearest(m_shown->images[0].to(torch::kCPU, torch::kFloat32),
                        "the explorer's image (weights of step " + std::to_string(m_shown->weights_step) + ")");
    e.nearest = false;
}

void InterpolationModule::on_run_known(RunView&, const TrainerStatus& status) {
    const TrainConfig& c = status.config;
    if (!c.has_latent_space() || c.latent_dim <= 0) return;
    m_walk = std::make_unique<LatentWalk>(c.latent_dim, 99);
    // Something to look at straight away: the first two samples, interpolated.
    torch::Tensor fixed = make_fixed_latents(std::max(2, c.grid_count), c.latent_dim, c.seed);
    m_model.a = fixed[0].clone();
    m_model.b = fixed[1].clone();
    ++m_model.revision;
}

void InterpolationModule::set_end(int end, const torch::Tensor& latent) {
    (end == 0 ? m_model.a : m_model.b) = latent.to(torch::kCPU, torch::kFloat32).clone();
    ++m_model.revision;
}

void InterpolationModule::update(RunView&, RunSource&) {
    LatentWorker* worker = m_latent.worker();
    if (!worker) return;
    std::shared_ptr<const LatentImages> r;
    if (worker->result(LatentJob::Strip).fetch_if_newer(m_seen_strip, r) && r->images.defined()) {
        m_strip_texture.update(r->grid, r->ready.get());  // tiled by the worker, off this thread
        m_shown_strip = r;
        m_model.strip = image_of(m_strip_texture);
        m_model.cell = int(r->images.size(3));
    }
    if (worker->result(LatentJob::Walk).fetch_if_newer(m_seen_walk, r) && r->images.defined()) {
        m_walk_texture.update(r->images[0], r->ready.get());
        m_model.walk_image = image_of(m_walk_texture);
    }
}

void InterpolationModule::request(RunView& view) {
    LatentWorker* worker = m_latent.worker();
    if (!worker) return;
    InterpolationModel& in = m_model;
    if (!in.walk && in.a.defined() && in.b.defined() && in.revision != m_sent) {
        m_sent = in.revision;
        worker->request(LatentJob::Strip, interpolation_path(in.a, in.b, std::max(2, in.frames), in.spherical));
    }
    if (in.walk && m_walk) worker->request(LatentJob::Walk, m_walk->advance(view.delta_time * in.walk_speed).unsqueeze(0));
}

void InterpolationModule::apply(RunView&, RunSource&) {
    const int frame = m_model.nearest_frame;
    m_model.nearest_frame = -1;
    if (frame < 0 || !m_shown_strip || !m_links.nearest || frame >= m_shown_strip->images.size(0)) return;
    m_links.nearest(m_shown_strip->images[frame].to(torch::kCPU, torch::kFloat32),
                    "interpolation frame " + std::to_string(frame + 1) + " (weights of step " +
                        std::to_string(m_shown_strip->weights_step) + ")");
}

}  // namespace ganscope
