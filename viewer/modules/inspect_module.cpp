// The Inspect module (see inspect_module.h). GL thread.
#include "viewer/modules/inspect_module.h"

#include <algorithm>
#include <cmath>

#include "viewer/panels/latent_panel.h"

namespace ganscope {

void InspectModule::update(RunView&, RunSource&) {
    InspectModel& m = m_model;
    if (m_worker) {
        std::shared_ptr<const InspectMaps> maps;
        if (m_worker->result().fetch_if_newer(m_seen, maps)) {
            m_maps = maps;
            m.layers.clear();
            for (const LayerMaps& l : maps->layers) m.layers.push_back(l.name);
            m.layer = std::clamp(m.layer, 0, std::max(0, int(m.layers.size()) - 1));
            m.step = maps->step;
            m.pending = maps->request != m_last_request;
            m_shown_layer = -1;  // new maps: redraw the tiles
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
    if (!m_sequential) m_sequential = std::make_unique<ColorMapTexture>(color_map("lumen"));
    if (!m_diverging) m_diverging = std::make_unique<ColorMapTexture>(color_map("coolwarm"));
    // ReLU outputs are >= 0: a sequential map from 0; signed values (Tanh) a diverging one around 0.
    const bool signed_values = lo < 0;
    const float reach = std::max({std::abs(lo), std::abs(hi), 1e-6f});
    m.low = signed_values ? -reach : 0;
    m.high = signed_values ? reach : std::max(hi, 1e-6f);
    m.color_map = signed_values ? m_diverging->map().name : m_sequential->map().name;
    m_tiles.set_color_map(signed_values ? m_diverging->id() : m_sequential->id(), m.low, m.high);
    m.count = int(maps.size(0));
    m.cell = int(maps.size(2));
    m.columns = std::max(1, int(std::ceil(std::sqrt(double(m.count)))));
    GridLayout layout;
    layout.count = m.count;
    layout.columns = m.columns;
    layout.padding = m.padding;
    m_tiles.update(maps, layout);
    m.tiles = image_of(m_tiles);
    if (m.channel >= m.count) m.channel = -1;
    m_shown_layer = m.layer;
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
    // Work only while the panel is visible, and only when the weights or the explorer's latent changed.
    if (!m.active || !m_weights || !m_explorer.base.defined()) return;
    if (m_weights == m_sent_weights && m_explorer.revision == m_sent_revision) return;
    if (!m_worker) m_worker = std::make_unique<InspectWorker>();
    m_last_request = m_worker->request(m_weights, explorer_latent(m_explorer).clone());
    m_sent_weights = m_weights;
    m_sent_revision = m_explorer.revision;
    m.pending = true;
}

void InspectModule::shutdown() {
    m_worker.reset();
    m_tiles = GridTexture();
    m_sequential.reset();
    m_diverging.reset();
}

}  // namespace ganscope
