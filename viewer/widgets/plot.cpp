// The plots (see plot.h). GL thread only, inside an ImGui frame.
#include "viewer/widgets/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <implot.h>

namespace ganscope {

std::vector<double> ema_debiased(const std::vector<double>& values, double weight) {
    std::vector<double> out(values.size());
    weight = std::clamp(weight, 0.0, 0.999);
    double last = 0.0, debias = 1.0;  // debias = weight^n after n finite points
    int64_t n = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        double v = values[i];
        if (!std::isfinite(v)) {
            out[i] = n ? last / (1.0 - debias) : v;
            continue;
        }
        last = last * weight + (1.0 - weight) * v;
        debias *= weight;
        ++n;
        out[i] = weight == 0.0 ? v : last / (1.0 - debias);
    }
    return out;
}

size_t nearest_index(const std::vector<double>& xs, double x) {
    size_t best = size_t(std::lower_bound(xs.begin(), xs.end(), x) - xs.begin());
    if (best >= xs.size()) best = xs.size() - 1;
    if (best > 0 && std::abs(xs[best - 1] - x) <= std::abs(xs[best] - x)) --best;
    return best;
}

void PlotLink::fit(double lo, double hi) {
    if (!follow || !std::isfinite(lo) || !std::isfinite(hi)) return;
    if (hi <= lo) hi = lo + 1;
    x_min = lo;
    x_max = hi;
}

namespace {

ImVec4 faded(ImU32 color, float alpha) {
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
    c.w *= alpha;
    return c;
}

}  // namespace

bool draw_plot(const char* id, const std::vector<PlotSeries>& series, const PlotStyle& style) {
    std::vector<std::vector<double>> smooth(series.size());
    for (size_t s = 0; s < series.size(); ++s)
        smooth[s] = style.smoothing > 0 ? ema_debiased(series[s].y, style.smoothing) : series[s].y;
    PlotLink* link = style.link;
    const double set_min = link ? link->x_min : 0, set_max = link ? link->x_max : 0;
    bool hovered = false, resumed = false;
    if (!ImPlot::BeginPlot(id, ImVec2(-1, style.height))) return false;
    // Following (or unlinked): both axes fit the data; after a pan or zoom, y still fits what is in view.
    const bool follow = !link || link->follow;
    const ImPlotAxisFlags fit = ImPlotAxisFlags_AutoFit | ImPlotAxisFlags_RangeFit;
    // No axis label: the tick numbers are steps (the read-out names them), and every pixel goes to the curves.
    ImPlot::SetupAxes(nullptr, nullptr, ImPlotAxisFlags_NoLabel | (link ? 0 : ImPlotAxisFlags_AutoFit), follow ? fit : 0);
    if (link) ImPlot::SetupAxisLinks(ImAxis_X1, &link->x_min, &link->x_max);
    if (style.log_y) ImPlot::SetupAxisScale(ImAxis_Y1, ImPlotScale_Log10);
    ImPlot::SetupLegend(ImPlotLocation_NorthEast, ImPlotLegendFlags_Horizontal);
    for (size_t s = 0; s < series.size(); ++s) {
        const PlotSeries& p = series[s];
        const int n = int(std::min(p.x.size(), p.y.size()));
        std::vector<double> ys = style.log_y ? p.y : std::vector<double>{}, ss = style.log_y ? smooth[s] : std::vector<double>{};
        if (style.log_y)  // a log axis has no room for values <= 0: they are gaps, not -inf
            for (int i = 0; i < n; ++i) {
                if (!(ys[size_t(i)] > 0)) ys[size_t(i)] = NAN;
                if (!(ss[size_t(i)] > 0)) ss[size_t(i)] = NAN;
            }
        const double* raw = style.log_y ? ys.data() : p.y.data();
        const double* sm = style.log_y ? ss.data() : smooth[s].data();
        // The raw series faint underneath and the smoothed one on top share a name: one legend entry hides both.
        if (style.smoothing > 0) {
            ImPlotSpec faint;
            faint.LineColor = faded(p.color, 0.3f);
            ImPlot::PlotLine(p.label.c_str(), p.x.data(), raw, n, faint);
        }
        ImPlotSpec line;
        line.LineColor = ImGui::ColorConvertU32ToFloat4(p.color);
        line.LineWeight = 1.5f;
        ImPlot::PlotLine(p.label.c_str(), p.x.data(), sm, n, line);
    }
    hovered = ImPlot::IsPlotHovered();
    if (hovered && !series.empty() && !series[0].x.empty()) {
        const ImPlotPoint mouse = ImPlot::GetPlotMousePos();
        const auto& xs = series[0].x;
        const size_t best = nearest_index(xs, mouse.x);
        ImPlot::TagX(xs[best], ImVec4(1, 1, 1, 0.5f), true);
        ImGui::BeginTooltip();
        ImGui::Text("%s %.6g", style.x_label, xs[best]);
        const float font = ImGui::GetFontSize();
        for (size_t s = 0; s < series.size(); ++s) {
            // Series may be logged at different steps (a quality figure every N): each reads out its nearest.
            if (series[s].x.empty() || series[s].y.size() != series[s].x.size()) continue;
            const size_t at = nearest_index(series[s].x, xs[best]);
            ImGui::ColorButton(series[s].label.c_str(), ImGui::ColorConvertU32ToFloat4(series[s].color),
                               ImGuiColorEditFlags_NoTooltip, ImVec2(font * 0.7f, font * 0.7f));
            ImGui::SameLine();
            char sm[32], raw[32];
            std::snprintf(sm, sizeof sm, style.value_format, smooth[s][at]);
            std::snprintf(raw, sizeof raw, style.value_format, series[s].y[at]);
            ImGui::Text("%s  %s  (raw %s)", series[s].label.c_str(), sm, raw);
        }
        ImGui::EndTooltip();
        // ImPlot fits the axes on the same double-click, which moves them: that move must not stop following again.
        if (link && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) link->follow = resumed = true;
    }
    ImPlot::EndPlot();
    // The user panned or zoomed the shared axis: stop following until a double-click.
    if (link && link->follow && !resumed && (link->x_min != set_min || link->x_max != set_max) && hovered)
        link->follow = false;
    return hovered;
}

}  // namespace ganscope
