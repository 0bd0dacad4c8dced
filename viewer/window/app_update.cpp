// The App's data flow each frame: the run source, workers and dataset loader into the model and textures, edits
// into worker requests, intents into run commands and files. Main (GL) thread only.
#include <imgui.h>

#include "ml/latent.h"
#include "ml/tensor_image.h"
#include "ml/task_factory.h"
#include "viewer/window/app.h"

namespace ganscope {

void App::on_first_status(const TrainerStatus& status) {
    AppModel& m = m_model;
    const TrainConfig& c = status.config;
    if (c.has_latent_space() && c.latent_dim > 0 && m.latent_dim != c.latent_dim) {
        set_latent_dim(c.latent_dim, c.image_size);
        // The run's fixed latents as its seed makes them; the source's own arrive with its first grid.
        m.grid.latents = make_fixed_latents(c.grid_count, c.latent_dim, c.seed);
        m.explorer.base = m.grid.latents[0].clone();
        // Something to look at straight away: the first two samples, interpolated.
        if (m.grid.latents.size(0) >= 2) {
            m.interpolation.a = m.grid.latents[0].clone();
            m.interpolation.b = m.grid.latents[1].clone();
            ++m.interpolation.revision;
        }
    }
    if (m.run.commands) m.performance.device_mode = "training on " + status.device;
    else if (m.run.live) m.performance.device_mode = "following a run (read-only)";
    else m.performance.device_mode = c.image_to_image() ? "translating" : "exploring";
    if (!m.run.live) {
        m.notify(status.message);
        if (c.image_to_image()) {
            // No latent space to explore: the Translate panel opens the checkpoint on its worker thread.
            m.translate.checkpoint_path = m_options.checkpoint;
            m.translate.open_checkpoint = true;
        }
    }
}

void App::update_sources() {
    AppModel& m = m_model;
    RunSource& run = *m_run;
    std::shared_ptr<const TrainerStatus> status;
    if (run.status().fetch_if_newer(m_seen_status, status)) {
        m.status = status;
        if (status->state != TrainerState::Starting && status->config.image_size > 0) {
            m.config = status->config;
            if (!m_announced) {
                m_announced = true;
                on_first_status(*status);
            }
        }
        if (status->state == TrainerState::Failed && !m.run.commands && !status->error.empty()) {
            m.source = run.name() + " - " + status->error;  // a checkpoint that cannot be read: said, nothing written
            m.notify(status->error, 1e9);
        }
        if (status->last.step != m_history_step) {  // the curves grow only when metrics are logged
            m_history_step = status->last.step;
            const auto& have = m.metrics.records();
            for (const StepMetrics& r : run.metrics_since(have.empty() ? -1 : have.back().step)) m.metrics.push(r);
        }
    }
    std::shared_ptr<const SampleGrid> grid;
    if (run.samples().fetch_if_newer(m_seen_samples, grid) && grid->images.defined()) show_grid(*grid);
    std::shared_ptr<const WeightsSnapshot> weights;
    if (run.weights().fetch_if_newer(m_seen_weights, weights)) {
        const torch::Device device = weights->tensors.empty() ? torch::Device(torch::kCPU) : weights->tensors[0].second.device();
        if (weights->config.image_to_image()) {
            // pix2pix has no latent space: its generator goes to the Translate panel's worker (an opened
            // checkpoint is opened there from its file instead).
            if (m.run.live) {
                if (!m_translate_worker) m_translate_worker = std::make_unique<TranslateWorker>(device);
                m_translate_worker->set_weights(weights);
            }
        } else {
            if (!m_worker) m_worker = std::make_unique<LatentWorker>(device);
            m_worker->set_weights(weights);
            m_record.set_weights(weights);
        }
    }
    if (m_worker) {
        ExplorerModel& e = m.explorer;
        auto take = [&](LatentJob job, TensorTexture& texture, auto&& on_image) {
            std::shared_ptr<const LatentImages> r;
            if (!m_worker->result(job).fetch_if_newer(m_seen_results[int(job)], r) || !r->images.defined()) return;
            on_image(*r, texture);
            m.performance.latent_upload_ms = texture.last_upload_ms();
        };
        take(LatentJob::Explorer, m_explorer_texture, [&](const LatentImages& r, TensorTexture& t) {
            t.update(r.images[0], r.ready.get());
            // Edit to screen, in frames: the edit's frame sent the request; this frame draws its image.
            for (const auto& [id, frame] : m_explorer_requests)
                if (id == r.request) {
                    if (m_explorer_latency.size() >= 4096) m_explorer_latency.erase(m_explorer_latency.begin());
                    m_explorer_latency.push_back(int(m_frame_index - frame));
                }
            while (!m_explorer_requests.empty() && m_explorer_requests.front().first <= r.request)
                m_explorer_requests.pop_front();
            e.image = {t.imgui_id(), t.width(), t.height()};
            e.weights_step = r.weights_step;
            e.inference_ms = r.ms;
        });
        take(LatentJob::Strip, m_strip_texture, [&](const LatentImages& r, TensorTexture& t) {
            t.update(r.grid, r.ready.get());  // tiled by the worker, off this thread
            m.interpolation.strip = {t.imgui_id(), t.width(), t.height()};
            m.interpolation.cell = int(r.images.size(3));
        });
        take(LatentJob::Walk, m_walk_texture, [&](const LatentImages& r, TensorTexture& t) {
            t.update(r.images[0], r.ready.get());
            m.interpolation.walk_image = {t.imgui_id(), t.width(), t.height()};
        });
        std::shared_ptr<const PcaResult> pca;
        if (m_worker->pca().fetch_if_newer(m_seen_pca, pca)) {
            e.pca_directions = pca->directions.directions.cpu();
            e.pca_explained = pca->directions.explained;
            e.pca_offsets.assign(size_t(e.pca_directions.size(0)), 0.0f);
            e.pca_pending = false;
            e.message = "GANSpace directions from the weights of step " + std::to_string(pca->weights_step);
            ++e.revision;
        }
        std::string error = m_worker->error();
        if (!error.empty()) e.message = "generator: " + error;
        // GANSpace directions once, as soon as the first weights are in the worker.
        if (!m_pca_requested && m_worker->weights_step() >= 0) {
            m_pca_requested = true;
            e.request_pca = true;
        }
    }
    translate_sources();
    // A finished dataset page.
    if (m_page_future.valid() && m_page_future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        DatasetModel& d = m.dataset;
        d.loading = false;
        try {
            auto [source, images] = m_page_future.get();
            m_source = source;
            d.description = source->description();
            d.pages = int((source->size() + size_t(d.per_page) - 1) / size_t(d.per_page));
            m_real_texture.update(images, nullptr);  // tiled on the loading thread
            d.real = {m_real_texture.imgui_id(), m_real_texture.width(), m_real_texture.height()};
            d.error.clear();
        } catch (const std::exception& e) {
            d.error = e.what();
        }
    }
}

void App::update_requests() {
    AppModel& m = m_model;
    translate_requests();
    if (m_worker) {
        ExplorerModel& e = m.explorer;
        if (e.base.defined() && e.revision != m_sent_explorer) {
            m_sent_explorer = e.revision;
            const uint64_t id = m_worker->request(LatentJob::Explorer, explorer_latent(e).unsqueeze(0));
            m_explorer_requests.emplace_back(id, m_frame_index);
            if (m_explorer_requests.size() > 256) m_explorer_requests.pop_front();
        }
        if (e.request_pca) {
            e.request_pca = false;
            e.pca_pending = true;
            m_worker->request_pca(512, std::min(8, m.latent_dim));
        }
        InterpolationModel& in = m.interpolation;
        if (!in.walk && in.a.defined() && in.b.defined() && in.revision != m_sent_interpolation) {
            m_sent_interpolation = in.revision;
            m_worker->request(LatentJob::Strip, interpolation_path(in.a, in.b, std::max(2, in.frames), in.spherical));
        }
        if (in.walk && m_walk) m_worker->request(LatentJob::Walk, m_walk->advance(ImGui::GetIO().DeltaTime * in.walk_speed).unsqueeze(0));
    }

    DatasetModel& d = m.dataset;
    if (d.page_request >= 0 && !d.loading && m.config && m.image_size > 0) {
        d.page = d.page_request;
        d.page_request = -1;
        d.loading = true;
        d.per_page = m.grid.count > 0 ? m.grid.count : 64;
        // Opening the source (the emoji set renders with FreeType) and decoding a page stays off the GL thread.
        TrainConfig config = *m.config;
        auto source = m_source;
        int page = d.page, per_page = d.per_page, columns = m.grid.columns > 0 ? m.grid.columns : 8;
        m_page_future = std::async(std::launch::async, [config, source, page, per_page, columns]() mutable {
            if (!source) source = make_source(config);
            auto transform = make_transform(config, false);
            std::mt19937 rng(1);
            std::vector<torch::Tensor> images;
            for (size_t i = size_t(page) * per_page; i < source->size() && images.size() < size_t(per_page); ++i) {
                try {
                    images.push_back(transform(source->load(i), rng).target);
                } catch (const std::exception&) {
                    // an unreadable file: the loader skips it too
                }
            }
            if (images.empty()) throw std::runtime_error("no readable images on page " + std::to_string(page + 1));
            return std::make_pair(source, grid_image(torch::stack(images), columns, kDisplayPadding));
        });
    } else if (d.page_request >= 0 && !m.config && m.status && m.status->state == TrainerState::Failed) {
        d.page_request = -1;
        d.error = "no dataset: the checkpoint could not be opened";
    }
}

void App::apply_intents() {
    AppModel& m = m_model;
    TrainingIntents& in = m.intents;
    std::vector<RunCommand> commands;
    const bool running = m.status && m.status->state == TrainerState::Running;
    if (in.toggle) (running ? in.pause : in.start) = true;
    if (in.start) commands.push_back({RunCommand::Kind::Start});
    if (in.pause) commands.push_back({RunCommand::Kind::Pause});
    if (in.steps > 0) commands.push_back({RunCommand::Kind::Step, in.steps});
    if (in.learning_rates)
        commands.push_back({RunCommand::Kind::LearningRates, 0, in.learning_rates->first, in.learning_rates->second});
    if (in.batch_size) commands.push_back({RunCommand::Kind::BatchSize, 0, 0, 0, *in.batch_size});
    if (in.revert) commands.push_back({RunCommand::Kind::Revert});
    if (in.save) commands.push_back({RunCommand::Kind::Save});
    for (const RunCommand& c : commands) {
        const std::string refused = m_run->command(c);
        if (!refused.empty()) m.notify(refused);
        else if (c.kind == RunCommand::Kind::Save) m.notify("saving a checkpoint to " + m_run->run_dir());
    }
    in = TrainingIntents{};

    ExplorerModel& e = m.explorer;
    try {
        if (e.copy_text && e.base.defined()) {
            e.paste_text = latent_to_text(explorer_latent(e));
            ImGui::SetClipboardText(e.paste_text.c_str());
            e.message = "copied the latent (" + std::to_string(m.latent_dim) + " numbers)";
        }
        if (e.apply_text) {
            explore_latent(m, latent_from_text(e.paste_text, m.latent_dim), "pasted latent");
        }
        if (e.save_file && e.base.defined()) {
            save_latent(e.file_path, explorer_latent(e));
            e.message = "saved " + e.file_path;
        }
        if (e.load_file) explore_latent(m, load_latent(e.file_path, m.latent_dim), e.file_path);
    } catch (const std::exception& ex) {
        e.message = ex.what();  // bad text or file: say so in the panel; the current latent is kept
    }
    e.copy_text = e.apply_text = e.save_file = e.load_file = false;
}

}  // namespace ganscope
