// The Curves panel (see curves_panel.h). GL thread only.
#include "viewer/panels/curves_panel.h"

#include <imgui.h>

#include "viewer/window/ui_style.h"

namespace ganscope {

void CurvesPanel::rebuild(const std::vector<StepMetrics>& h) {
    m_losses = {{"loss G", {}, {}, kColorG}, {"loss D", {}, {}, kColorD}};
    m_probabilities = {{"D(x)", {}, {}, kColorReal}, {"D(G(z))", {}, {}, kColorFake}};
    for (auto* group : {&m_losses, &m_probabilities})
        for (auto& s : *group) {
            s.x.reserve(h.size());
            s.y.reserve(h.size());
        }
    for (const auto& m : h) {
        for (auto* group : {&m_losses, &m_probabilities})
            for (auto& s : *group) s.x.push_back(double(m.step));
        m_losses[0].y.push_back(m.loss_g);
        m_losses[1].y.push_back(m.loss_d);
        m_probabilities[0].y.push_back(m.d_real);
        m_probabilities[1].y.push_back(m.d_fake);
    }
    m_built_size = h.size();
    m_built_last = h.empty() ? -1 : h.back().step;
}

void CurvesPanel::draw(AppModel& model) {
    const auto& h = model.metrics.records();
    if (h.size() != m_built_size || (!h.empty() && h.back().step != m_built_last)) rebuild(h);
    ImGui::SetNextItemWidth(ui_em(8));
    ImGui::SliderFloat("smoothing", &m_smoothing, 0.0f, 0.99f, "%.2f");
    ImGui::SameLine();
    ImGui::Checkbox("log scale", &m_log_loss);
    ImGui::SameLine();
    ImGui::TextDisabled("%zu points", h.size());
    if (!model.run.live && h.empty()) {
        ImGui::TextDisabled("no metrics.jsonl beside this checkpoint");
        return;
    }
    PlotStyle style;
    style.smoothing = m_smoothing;
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    float avail = ImGui::GetContentRegionAvail().y - spacing;
    style.height = std::max(ui_em(5), avail * 0.55f);
    style.log_y = m_log_loss;
    draw_plot("losses", m_losses, style);
    style.height = std::max(ui_em(4), ImGui::GetContentRegionAvail().y);
    style.log_y = false;
    style.value_format = "%.3f";
    draw_plot("probabilities", m_probabilities, style);
}

}  // namespace ganscope
