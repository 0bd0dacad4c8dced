// The Curves panel under the mouse, headless (ImGui input as a mouse gives it): the wheel over a plot scrolls the
// panel and leaves the plots following the newest steps; ctrl+wheel zooms the shared step axis and stops following;
// a double-click in a plot fits the axes and follows again.
#include <doctest/doctest.h>

#include <imgui.h>
#include <imgui_internal.h>
#include <implot.h>
#include <implot_internal.h>

#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

// The losses plot's rectangle in the Curves panel (ImPlot keys a plot by its id in the window that draws it).
ImRect losses_plot() {
    ImGuiWindow* curves = ImGui::FindWindowByName("Curves");
    REQUIRE(curves);
    ImPlotPlot* plot = ImPlot::GetCurrentContext()->Plots.GetByKey(curves->GetID("losses"));
    REQUIRE(plot);
    return plot->PlotRect;
}

void frames(App& app, int n) {
    for (int i = 0; i < n; ++i) app.frame();
}

}  // namespace

TEST_CASE("Curves: the wheel scrolls the panel, ctrl+wheel zooms the steps, a double-click follows the newest again") {
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 500;  // the Curves panel shorter than its two plots at their least height: it scrolls
    o.trainer.config = tiny_dcgan_config(synthetic_folder("viewer_curves_input", 16), 5, 3);
    o.trainer.config.steps = 40;  // the curves stop growing: their range is the run's
    o.trainer.run_dir = work_dir("curves_input_run");
    App app(o);
    REQUIRE(frames_until(app, [&] {
        const auto& r = app.curves().metrics().records();
        return r.size() >= 40 && r.back().step == 40;
    }));
    frames(app, 5);
    ImGuiIO& io = ImGui::GetIO();
    io.MouseDoubleClickTime = 5.0f;  // two clicks a few frames apart, however slow a frame is on a busy machine
    const PlotLink& steps = app.curves().steps();
    REQUIRE(steps.follow);
    CHECK(steps.x_min == 1);
    CHECK(steps.x_max == 40);
    ImGuiWindow* curves = ImGui::FindWindowByName("Curves");
    REQUIRE(curves->ScrollMax.y > 0);
    CHECK(curves->Scroll.y == 0);

    // The wheel over the plot: the panel scrolls; the plot neither zooms nor stops following.
    const ImVec2 over = losses_plot().GetCenter();
    io.AddMousePosEvent(over.x, over.y);
    frames(app, 2);
    io.AddMouseWheelEvent(0, -1);
    frames(app, 3);
    CHECK(curves->Scroll.y > 0);
    CHECK(steps.follow);
    CHECK(steps.x_min == 1);
    CHECK(steps.x_max == 40);

    // Ctrl+wheel over the plot (where it is now): the step axis zooms in and stops following.
    const ImVec2 plot = losses_plot().GetCenter();
    const float scrolled = curves->Scroll.y;
    io.AddMousePosEvent(plot.x, plot.y);
    frames(app, 2);
    io.AddKeyEvent(ImGuiMod_Ctrl, true);
    frames(app, 1);
    io.AddMouseWheelEvent(0, 1);
    frames(app, 2);
    io.AddKeyEvent(ImGuiMod_Ctrl, false);
    frames(app, 2);
    CHECK_FALSE(steps.follow);
    CHECK(steps.x_max - steps.x_min < 39 - 1);
    CHECK(curves->Scroll.y == scrolled);  // the zoom did not scroll the panel
    const double zoomed_min = steps.x_min, zoomed_max = steps.x_max;
    frames(app, 3);
    CHECK(steps.x_min == zoomed_min);  // kept while not following
    CHECK(steps.x_max == zoomed_max);

    // A double-click in the plot: the axes fit the run again and follow the newest steps.
    for (int click = 0; click < 2; ++click) {
        io.AddMouseButtonEvent(ImGuiMouseButton_Left, true);
        frames(app, 1);
        io.AddMouseButtonEvent(ImGuiMouseButton_Left, false);
        frames(app, 1);
    }
    frames(app, 3);
    CHECK(steps.follow);
    CHECK(steps.x_min == 1);
    CHECK(steps.x_max == 40);
}
