// The plot widget (see plot.h). GL thread only, inside an ImGui frame.
#include "viewer/window/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

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

std::vector<double> nice_ticks(double lo, double hi, int target) {
    std::vector<double> ticks;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
    double raw = (hi - lo) / std::max(1, target);
    double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = power;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * power;
        if (step >= raw) break;
    }
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

namespace {

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool valid() const { return lo <= hi; }
};

ImU32 faded(ImU32 color, float alpha) {
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
    c.w *= alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

}  // namespace

bool draw_plot(const char* id, const std::vector<PlotSeries>& series, const PlotStyle& style) {
    ImGui::PushID(id);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float font = ImGui::GetFontSize();
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImVec2 size(std::max(60.0f, ImGui::GetContentRegionAvail().x), style.height);
    ImGui::InvisibleButton("plot", size);
    const bool hovered = ImGui::IsItemHovered();

    auto ty = [&](double v) { return style.log_y ? (v > 0 ? std::log10(v) : NAN) : v; };
    std::vector<std::vector<double>> smooth(series.size());
    Range xr, yr;
    for (size_t s = 0; s < series.size(); ++s) {
        smooth[s] = style.smoothing > 0 ? ema_debiased(series[s].y, style.smoothing) : series[s].y;
        for (size_t i = 0; i < series[s].x.size() && i < series[s].y.size(); ++i) {
            xr.add(series[s].x[i]);
            yr.add(ty(series[s].y[i]));
            yr.add(ty(smooth[s][i]));
        }
    }
    // Frame: leave room on the left for y labels and below for x labels.
    const float left = font * 3.2f, bottom = font * 1.3f;
    ImVec2 p0(origin.x + left, origin.y + 4), p1(origin.x + size.x - 6, origin.y + size.y - bottom);
    draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), ImGui::GetColorU32(ImGuiCol_FrameBg), 4.0f);
    if (!xr.valid() || !yr.valid()) {
        const char* text = "waiting for data";
        ImVec2 ts = ImGui::CalcTextSize(text);
        draw->AddText(ImVec2(origin.x + (size.x - ts.x) / 2, origin.y + (size.y - ts.y) / 2),
                      ImGui::GetColorU32(ImGuiCol_TextDisabled), text);
        ImGui::PopID();
        return hovered;
    }
    if (xr.hi == xr.lo) xr.hi = xr.lo + 1;
    if (yr.hi == yr.lo) {
        yr.lo -= 0.5;
        yr.hi += 0.5;
    }
    double pad = (yr.hi - yr.lo) * 0.06;  // auto-fit with a little air
    yr.lo -= pad;
    yr.hi += pad;
    auto sx = [&](double x) { return float(p0.x + (x - xr.lo) / (xr.hi - xr.lo) * (p1.x - p0.x)); };
    auto sy = [&](double v) { return float(p1.y - (v - yr.lo) / (yr.hi - yr.lo) * (p1.y - p0.y)); };

    char buf[64];
    const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.5f), label = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    for (double t : nice_ticks(yr.lo, yr.hi, std::max(2, int((p1.y - p0.y) / (font * 2.2f))))) {
        float y = sy(t);
        draw->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), grid);
        std::snprintf(buf, sizeof buf, "%.3g", style.log_y ? std::pow(10.0, t) : t);
        ImVec2 ts = ImGui::CalcTextSize(buf);
        draw->AddText(ImVec2(p0.x - ts.x - 4, y - ts.y / 2), label, buf);
    }
    for (double t : nice_ticks(xr.lo, xr.hi, std::max(2, int((p1.x - p0.x) / (font * 5.0f))))) {
        float x = sx(t);
        draw->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), grid);
        std::snprintf(buf, sizeof buf, "%.6g", t);
        ImVec2 ts = ImGui::CalcTextSize(buf);
        draw->AddText(ImVec2(x - ts.x / 2, p1.y + 2), label, buf);
    }
    draw->PushClipRect(p0, p1, true);
    std::vector<ImVec2> points;
    for (size_t s = 0; s < series.size(); ++s) {
        const auto& xs = series[s].x;
        for (int pass = 0; pass < 2; ++pass) {  // raw (faint) under smoothed
            if (pass == 0 && style.smoothing <= 0) continue;
            const auto& ys = pass == 0 ? series[s].y : smooth[s];
            points.clear();
            auto flush = [&] {
                if (points.size() >= 2)
                    draw->AddPolyline(points.data(), int(points.size()), pass == 0 ? faded(series[s].color, 0.25f) : series[s].color,
                                      0, pass == 0 ? 1.0f : 1.8f);
                points.clear();
            };
            for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
                double v = ty(ys[i]);
                if (!std::isfinite(v)) {
                    flush();
                    continue;
                }
                points.emplace_back(sx(xs[i]), sy(v));
            }
            flush();
        }
    }
    draw->PopClipRect();
    // Legend, top left inside the frame, on a backdrop so curves passing underneath do not hide it.
    float legend_w = 6;
    for (const auto& s : series) legend_w += 26 + ImGui::CalcTextSize(s.label.c_str()).x;
    ImVec4 backdrop = ImGui::GetStyleColorVec4(ImGuiCol_FrameBg);
    backdrop.w = 0.85f;
    draw->AddRectFilled(ImVec2(p0.x + 2, p0.y + 1), ImVec2(p0.x + legend_w, p0.y + 19),
                        ImGui::ColorConvertFloat4ToU32(backdrop), 3.0f);
    float lx = p0.x + 6;
    for (const auto& s : series) {
        draw->AddRectFilled(ImVec2(lx, p0.y + 5), ImVec2(lx + 10, p0.y + 15), s.color, 2.0f);
        draw->AddText(ImVec2(lx + 14, p0.y + 10 - font / 2), ImGui::GetColorU32(ImGuiCol_Text), s.label.c_str());
        lx += 26 + ImGui::CalcTextSize(s.label.c_str()).x;
    }

    if (hovered && !series.empty() && !series[0].x.empty()) {
        double mx = xr.lo + (ImGui::GetIO().MousePos.x - p0.x) / (p1.x - p0.x) * (xr.hi - xr.lo);
        const auto& xs = series[0].x;
        size_t best = size_t(std::lower_bound(xs.begin(), xs.end(), mx) - xs.begin());
        if (best >= xs.size()) best = xs.size() - 1;
        if (best > 0 && std::abs(xs[best - 1] - mx) < std::abs(xs[best] - mx)) --best;
        float x = sx(xs[best]);
        draw->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), ImGui::GetColorU32(ImGuiCol_Text, 0.4f));
        ImGui::BeginTooltip();
        ImGui::Text("%s %.6g", style.x_label, xs[best]);
        for (size_t s = 0; s < series.size(); ++s) {
            if (best >= series[s].y.size()) continue;
            double v = ty(smooth[s][best]);
            if (std::isfinite(v)) draw->AddCircleFilled(ImVec2(x, sy(v)), 3.5f, series[s].color);
            ImGui::ColorButton(series[s].label.c_str(), ImGui::ColorConvertU32ToFloat4(series[s].color),
                               ImGuiColorEditFlags_NoTooltip, ImVec2(font * 0.7f, font * 0.7f));
            ImGui::SameLine();
            char sm[32], raw[32];
            std::snprintf(sm, sizeof sm, style.value_format, smooth[s][best]);
            std::snprintf(raw, sizeof raw, style.value_format, series[s].y[best]);
            ImGui::Text("%s  %s  (raw %s)", series[s].label.c_str(), sm, raw);
        }
        ImGui::EndTooltip();
    }
    ImGui::PopID();
    return hovered;
}

}  // namespace ganscope
