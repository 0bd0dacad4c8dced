// Line plots on ImPlot: TensorBoard's debiased smoothing over the faint raw series, log scale, pan and zoom
// (mouse drag and wheel; double-click fits), legend toggles (click a name), a hover read-out of every series at
// the nearest step, and step axes linked across the plots of a panel. GL thread only (inside an ImGui frame
// with an ImPlot context); makes no GL calls.
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
    std::vector<double> x, y;  // x ascending
    ImU32 color = IM_COL32(255, 255, 255, 255);
};

// The x range that plots share (SetupAxisLinks): while `follow`, it is set to the data's range each frame, so
// live curves stay in view; a pan or zoom by the user stops following, a double-click in a plot resumes it.
struct PlotLink {
    double x_min = 0, x_max = 1;
    bool follow = true;
    // Call once a frame before the linked plots: the range of all their data (ignored unless following).
    void fit(double lo, double hi);
};

struct PlotStyle {
    float height = 160.0f;      // pixels; the width fills the available region
    double smoothing = 0.6;     // ema_debiased weight; the raw series is drawn faint underneath
    bool log_y = false;         // values <= 0 are left out on a log axis
    const char* x_label = "step";
    const char* value_format = "%.4g";
    PlotLink* link = nullptr;   // shared x axis; nullptr: the plot fits its own data
};

// Draws the series into one plot. Returns true while hovered.
bool draw_plot(const char* id, const std::vector<PlotSeries>& series, const PlotStyle& style);

// The index in ascending `xs` nearest to `x`; xs must not be empty.
size_t nearest_index(const std::vector<double>& xs, double x);

}  // namespace ganscope
