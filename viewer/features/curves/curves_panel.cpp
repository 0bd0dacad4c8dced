// The Curves panel (see curves_panel.h). GL thread only.
#include "viewer/features/curves/curves_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "viewer/widgets/ui_style.h"

namespace ganscope {

void CurvesPanel::rebuild(const std::vector<StepMetrics>& h) {
    // A series the model does not have (all NaN: D for seed 004, the GAN term for a DCGAN) is left out.
    auto series = [&](const char* label, ImU32 color, double StepMetrics::*field) {
        PlotSeries s{label, {}, {}, color};
        for (const auto& m : h)
            if (std::isfinite(m.*field)) {
                s.x.push_back(double(m.step));
                s.y.push_back(m.*field);
            }
        return s;
    };
    m_losses.clear();
    m_probabilities.clear();
    for (PlotSeries s :
         {series("loss G", kColorG, &StepMetrics::loss_g), series("loss D", kColorD, &StepMetrics::loss_d),
          series("G: GAN term", IM_COL32(230, 200, 90, 255), &StepMetrics::loss_gan)})
        if (!s.x.empty()) m_losses.push_back(std::move(s));
    // pix2pix's L1 beside its GAN term (seed 004's aux is its only loss, already shown as loss G)
    if (!m_losses.empty() && m_losses.back().label == "G: GAN term")
        m_losses.push_back(series("G: L1", IM_COL32(150, 150, 220, 255), &StepMetrics::loss_aux));
    // The samples' diversity (their spread over the data's; 1 is as varied as the data) and copying score (the share
    // nearer a training image than the data's own neighbours) share the 0-1 axis.
    for (PlotSeries s :
         {series("D(x)", kColorReal, &StepMetrics::d_real), series("D(G(z))", kColorFake, &StepMetrics::d_fake),
          series("diversity", IM_COL32(130, 170, 255, 255), &StepMetrics::diversity),
          series("copying", IM_COL32(240, 150, 60, 255), &StepMetrics::copying)})
        if (!s.x.empty()) m_probabilities.push_back(std::move(s));
    // Quality: swd and its levels, at the steps where it was evaluated.
    static const ImU32 level_colors[] = {IM_COL32(120, 200, 230, 255), IM_COL32(230, 200, 90, 255),
                                         IM_COL32(200, 120, 120, 255), IM_COL32(150, 150, 220, 255)};
    m_quality.clear();
    auto add = [&](const std::string& label, ImU32 color, double x, double y) {
        auto it = std::find_if(m_quality.begin(), m_quality.end(), [&](const PlotSeries& s) { return s.label == label; });
        if (it == m_quality.end()) it = m_quality.insert(m_quality.end(), PlotSeries{label, {}, {}, color});
        it->x.push_back(x);
        it->y.push_back(y);
    };
    for (const auto& m : h)  // FID shares the axis: tens to hundreds, as swd x1e3
        if (std::isfinite(m.fid)) add("fid", IM_COL32(255, 140, 200, 255), double(m.step), m.fid);
    for (const auto& m : h) {
        if (!std::isfinite(m.swd)) continue;
        add("swd", IM_COL32(235, 235, 235, 255), double(m.step), m.swd);
        for (size_t i = 0; i < m.swd_levels.size(); ++i)
            add("swd_" + std::to_string(m.swd_levels[i].first), level_colors[i % 4], double(m.step), m.swd_levels[i].second);
    }
    m_built_size = h.size();
    m_built_last = h.empty() ? -1 : h.back().step;
}

void CurvesPanel::draw(const RunView& model, const MetricsHistory& metrics) {
    const auto& h = metrics.records();
    if (h.size() != m_built_size || (!h.empty() && h.back().step != m_built_last)) rebuild(h);
    ImGui::SetNextItemWidth(ui_em(8));
    ImGui::SliderFloat("smoothing", &m_smoothing, 0.0f, 0.99f, "%.2f");
    ImGui::SameLine();
    ImGui::Checkbox("log scale", &m_log_loss);
    ImGui::SameLine();
    ImGui::Checkbox("follow", &m_steps.follow);
    ImGui::SetItemTooltip(
        "keep the newest steps in view; a pan (drag) or zoom (ctrl+wheel) stops it, a double-click in a plot resumes");
    ImGui::SameLine();
    ImGui::TextDisabled("%zu points", h.size());
    if (!model.run.live && h.empty()) {
        ImGui::TextDisabled("no metrics.jsonl beside this checkpoint");
        return;
    }
    if (!h.empty()) m_steps.fit(double(h.front().step), double(h.back().step));
    PlotStyle style;
    style.link = &m_steps;
    style.smoothing = m_smoothing;
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    float avail = ImGui::GetContentRegionAvail().y - spacing;
    const bool quality = !m_quality.empty();
    // No discriminator (seed 004): no probabilities plot, the losses take its room.
    const bool judged = !m_probabilities.empty() || h.empty();
    style.height = std::max(ui_em(7), avail * (quality ? (judged ? 0.4f : 0.6f) : (judged ? 0.55f : 1.0f)));
    style.log_y = m_log_loss;
    draw_plot("losses", m_losses, style);
    style.log_y = false;
    if (judged) {
        style.height = std::max(ui_em(7), quality ? avail * 0.3f : ImGui::GetContentRegionAvail().y);
        style.value_format = "%.3f";
        draw_plot("probabilities", m_probabilities, style);
    }
    if (quality) {
        style.height = std::max(ui_em(7), ImGui::GetContentRegionAvail().y);
        style.value_format = "%.1f";
        draw_plot("quality (lower is better): swd x1e3, fid", m_quality, style);
    }
}

}  // namespace ganscope
