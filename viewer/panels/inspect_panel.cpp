// The Inspect panel (see inspect_panel.h). GL thread only.
#include "viewer/panels/inspect_panel.h"

#include <algorithm>

#include <imgui.h>

#include "viewer/window/ui_style.h"

namespace ganscope {

void InspectPanel::draw(InspectModel& m) {
    m.active = true;
    if (!m.message.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", m.message.c_str());
    if (m.layers.empty() || !m.tiles.ready()) {
        ImGui::TextDisabled(m.pending ? "computing the feature maps..."
                                      : "waiting for the generator's weights and the explorer's latent...");
        return;
    }
    ImGui::Text("feature maps of the explorer latent, weights of step %lld", (long long)m.step);
    if (m.pending) {
        ImGui::SameLine();
        ImGui::TextDisabled("(updating)");
    }
    ImGui::SetNextItemWidth(ui_em(18));
    if (ImGui::BeginCombo("block", m.layers[size_t(m.layer)].c_str())) {
        for (int i = 0; i < int(m.layers.size()); ++i)
            if (ImGui::Selectable(m.layers[size_t(i)].c_str(), i == m.layer)) m.layer = i;
        ImGui::EndCombo();
    }
    ImGui::TextDisabled("%d channels of %dx%d; %s from %.3g to %.3g", m.count, m.cell, m.cell, m.color_map.c_str(),
                        m.low, m.high);

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float detail = m.channel >= 0 ? std::min(avail.x, avail.y * 0.4f) : 0.0f;
    const float fit = std::max(0.05f, std::min(avail.x / m.tiles.width, (avail.y - detail - ui_em(2)) / m.tiles.height));
    const ImVec2 size(m.tiles.width * fit, m.tiles.height * fit);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ui_image(m.tiles.texture, size);
    if (ImGui::IsItemHovered()) {
        const ImGuiIO& io = ImGui::GetIO();
        GridLayout layout{m.count, m.columns, m.cell, m.cell, m.padding};
        const int c = layout.cell_at((io.MousePos.x - origin.x) / fit, (io.MousePos.y - origin.y) / fit);
        if (c >= 0) {
            ImGui::SetTooltip("channel %d   click: show it large", c);
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m.channel = c;
        }
    }
    if (m.channel >= 0 && m.channel < m.count) {
        const int col = m.channel % m.columns, row = m.channel / m.columns;
        const float x0 = float(m.padding + col * (m.cell + m.padding)), y0 = float(m.padding + row * (m.cell + m.padding));
        ImGui::Text("channel %d: values %.4g to %.4g", m.channel, m.channel_min, m.channel_max);
        ImGui::SameLine();
        if (ImGui::SmallButton("close")) m.channel = -1;
        const float side = std::max(ui_em(4), std::min(ImGui::GetContentRegionAvail().x, detail));
        ui_image(m.tiles.texture, ImVec2(side, side), ImVec2(x0 / m.tiles.width, y0 / m.tiles.height),
                 ImVec2((x0 + m.cell) / m.tiles.width, (y0 + m.cell) / m.tiles.height));
    }
}

}  // namespace ganscope
