// A small reusable line-plot widget on ImGui draw lists (ImPlot is not packaged here): smoothing, log scale,
// hover read-out, auto-fit. GL thread only (inside an ImGui frame); makes no GL calls.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

namespace ganscope {

// TensorBoard's smoothing: an exponential moving average with the zero-start bias divided out, so the first
// points are not dragged towards 0. weight in [0, 1): 0 returns the input. Non-finite inputs are skipped
// (they keep the previous smoothed value) so one NaN does not blank the rest of the curve.
std::vector<double> ema_debiased(const std::vector<double>& values, double weight);

struct PlotSeries {
    std::string label;
    std::vector<double> x, y;
    ImU32 color = IM_COL32(255, 255, 255, 255);
};

struct PlotStyle {
    float height = 160.0f;      // pixels; the width fills the available region
    double smoothing = 0.6;     // ema_debiased weight; the raw series is drawn faint underneath
    bool log_y = false;         // values <= 0 are left out on a log axis
    const char* x_label = "step";
    const char* value_format = "%.4g";
};

// Draws the series into one framed plot, fitted to their (smoothed and raw) range. Hovering shows the nearest
// x and every series' smoothed and raw value there. Returns true while hovered.
bool draw_plot(const char* id, const std::vector<PlotSeries>& series, const PlotStyle& style);

// "Nice" axis ticks covering [lo, hi]: 1, 2 or 5 times a power of ten apart, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace ganscope
