// The Inspect module (see inspect_module.h). GL thread.
#include "viewer/features/inspect/inspect_module.h"

#include <algorithm>
#include <cmath>

#include "viewer/features/latent/latent_models.h"

namespace ganscope {
namespace {

int square_columns(int count) { return std::max(1, int(std::ceil(std::sqrt(double(count))))); }

std::vector<float> values_of(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<float> per_image_means(const torch::Tensor& maps) {
    const torch::Tensor m = maps.flatten(1).mean(1).contiguous();
    return std::vector<float>(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
}

}  // namespace

void InspectModule::on_run_known(RunView&, const TrainerStatus& status) {
    m_model.latent_space = status.config.has_latent_space();
}

const ColorMapTexture& InspectModule::map(bool diverging) {
    if (!m_sequential) m_sequential = std::make_unique<ColorMapTexture>(color_map("lumen"));
    if (!m_diverging) m_diverging = std::make_unique<ColorMapTexture>(color_map("coolwarm"));
    return diverging ? *m_diverging : *m_sequential;
}

void InspectModule::update(RunView&, RunSource& run) {
    InspectModel& m = m_model;
    std::shared_ptr<const SampleGrid> grid;
    if (run.samples().fetch_if_newer(m_seen_grid, grid) && grid->images.defined()) m_grid = grid;
    if (m_worker) {
        std::shared_ptr<const InspectMaps> maps;
        if (m_worker->result().fetch_if_newer(m_seen, maps)) {
            m_maps = maps;
            m.layers.clear();
            for (const LayerMaps& l : maps->layers) m.layers.push_back(l.name);
            m.layer = std::clamp(m.layer, 0, std::max(0, int(m.layers.size()) - 1));
            m.step = maps->step;
            m.note = maps->note;
            m.pending = maps->request != m_last_request;
            m_shown_layer = -1;  // new maps: redraw the tiles
            show_verdicts();
            show_pairs();
        }
        m.message = m_worker->error();
        if (!m.message.empty()) m.pending = false;
    }
    if (m_maps && !m_maps->layers.empty() && m.layer != m_shown_layer) show_layer();
    m.active = false;  // the panel sets it again while it is drawn
}

void InspectModule::show_layer() {
    InspectModel& m = m_model;
    const LayerMaps& l = m_maps->layers[size_t(m.layer)];
    torch::Tensor maps = l.maps.unsqueeze(1).contiguous();  // C x 1 x H x W: one scalar map per channel
    const float lo = maps.min().item<float>(), hi = maps.max().item<float>();
    // ReLU outputs are >= 0: a sequential map from 0; signed values (Tanh) a diverging one around 0.
    const bool signed_values = lo < 0;
    const float reach = std::max({std::abs(lo), std::abs(hi), 1e-6f});
    m.low = signed_values ? -reach : 0;
    m.high = signed_values ? reach : std::max(hi, 1e-6f);
    const ColorMapTexture& cmap = map(signed_values);
    m.color_map = cmap.map().name;
    m_tiles.set_color_map(cmap.id(), m.low, m.high);
    m.count = int(maps.size(0));
    m.cell = int(maps.size(2));
    m.columns = square_columns(m.count);
    GridLayout layout;
    layout.count = m.count;
    layout.columns = m.columns;
    layout.padding = m.padding;
    m_tiles.update(maps, layout);
    m_tiles.draw_whole();
    m.tiles = image_of(m_tiles);
    if (m.channel >= m.count) m.channel = -1;
    m_shown_layer = m.layer;
}

void InspectModule::show_verdicts() {
    InspectModel& m = m_model;
    if (m_maps->verdicts.empty()) {
        m.verdicts.clear();
        m.grid_step = -1;
        return;
    }
    m.verdicts = m_maps->verdicts;
    m.probabilities = m_maps->probabilities;
    m.grid_step = m_maps->grid_step;
    if (m.probabilities) {
        m.verdict_low = 0;
        m.verdict_high = 1;
    } else {  // raw scores: a diverging map around 0, as wide as the widest score
        float reach = 1e-6f;
        for (float v : m.verdicts) reach = std::max(reach, std::abs(v));
        m.verdict_low = -reach;
        m.verdict_high = reach;
    }
    ++m.verdicts_revision;
}

void InspectModule::show_pairs() {
    InspectModel& m = m_model;
    const torch::Tensor& errors = m_maps->error_maps;
    if (!errors.defined()) return;
    m.pairs = int(errors.size(0));
    m.pair_columns = square_columns(m.pairs);
    m.error_cell = int(errors.size(3));
    m.error_means = per_image_means(errors);
    m.error_values = values_of(errors);
    m.error_mean = errors.mean().item<float>();
    // lumen from 0 to the largest error seen (at least 0.1 of the [0, 2] range, so noise is not blown up).
    m.error_high = std::max(0.1f, errors.max().item<float>());
    GridLayout layout;
    layout.count = m.pairs;
    layout.columns = m.pair_columns;
    layout.padding = m.padding;
    m_error.set_color_map(map(false).id(), 0, m.error_high);
    m_error.update(errors.contiguous(), layout);
    m_error.draw_whole();
    m.error_tiles = image_of(m_error);
    const torch::Tensor& patches = m_maps->patch_maps;
    if (!patches.defined()) {
        m.patch_tiles = {};
        return;
    }
    m.patch_cell = int(patches.size(3));
    m.patch_means = per_image_means(patches);
    m.patch_values = values_of(patches);
    m.patch_mean = patches.mean().item<float>();
    m_patch.set_color_map(map(true).id(), 0, 1);  // coolwarm: 0 fake (blue), 0.5 unsure, 1 real (red)
    m_patch.update(patches.contiguous(), layout);
    m_patch.draw_whole();
    m.patch_tiles = image_of(m_patch);
}

void InspectModule::apply(RunView&, RunSource&) {
    InspectModel& m = m_model;
    if (m.channel >= 0 && m_maps && m.layer < int(m_maps->layers.size())) {
        const torch::Tensor& maps = m_maps->layers[size_t(m.layer)].maps;
        if (m.channel < maps.size(0)) {
            m.channel_min = maps[m.channel].min().item<float>();
            m.channel_max = maps[m.channel].max().item<float>();
        }
    }
    // Work only while the panel is visible, and only when the weights, the explorer's latent or the grid changed.
    m.judging = m.active;
    if (!m.active || !m_weights) return;
    const bool latent_space = m_weights->config.has_latent_space();
    const bool has_latent = latent_space && m_explorer.base.defined();
    if (latent_space && !has_latent && !m_grid) return;
    const uint64_t revision = has_latent ? m_explorer.revision : 0;
    if (m_weights == m_sent_weights && revision == m_sent_revision && m_grid == m_sent_grid) return;
    if (!m_worker) m_worker = std::make_unique<InspectWorker>();
    InspectRequest r;
    r.weights = m_weights;
    if (has_latent) r.latent = explorer_latent(m_explorer).clone();
    if (m_grid) {
        r.grid = m_grid->images;  // the worker copies it to the CPU; the slot keeps it alive and unchanged
        r.grid_step = m_grid->step;
        if (r.grid.is_cuda()) r.grid_ready = m_grid->ready;  // waited on by the worker, not here
    }
    m_last_request = m_worker->request(std::move(r));
    m_sent_weights = m_weights;
    m_sent_revision = revision;
    m_sent_grid = m_grid;
    m.pending = true;
}

void InspectModule::shutdown() {
    m_worker.reset();
    m_tiles = GridTexture();
    m_patch = GridTexture();
    m_error = GridTexture();
    m_sequential.reset();
    m_diverging.reset();
}

}  // namespace ganscope
