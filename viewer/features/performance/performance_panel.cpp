// The Performance panel (see performance_panel.h). GL thread only.
#include "viewer/features/performance/performance_panel.h"

#include <cstdio>

#include <imgui.h>

#include "viewer/widgets/frame_stats.h"
#include "viewer/widgets/plot.h"
#include "viewer/widgets/ui_style.h"

namespace ganscope {

void PerformancePanel::draw(const RunView& model, const PerformanceModel& performance) {
    if (shown_at < 0 || model.time - shown_at >= 0.25 || model.time < shown_at) {
        shown_at = model.time;
        shown = performance;
        train_step_ms = model.status ? model.status->step_ms : -1;
        explorer_ms = performance.explorer_ms;
        render_size = performance.render_size;
    }
    const PerformanceModel& p = shown;
    FrameSummary s = summarize_frames(p.frame_ms);
    if (ImGui::BeginTable("perf", 2)) {
        ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ui_em(5.5f));
        ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
        auto row = [](const char* k, const char* v) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", k);
            ImGui::TableNextColumn();
            ImGui::PushTextWrapPos(0);
            ImGui::TextUnformatted(v);
            ImGui::PopTextWrapPos();
        };
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.1f ms (%.0f FPS)", s.median_ms, s.median_ms > 0 ? 1000.0 / s.median_ms : 0.0);
        row("frame", buf);
        std::snprintf(buf, sizeof buf, "%.1f ms, max %.1f ms", s.p95_ms, s.max_ms);
        row("p95", buf);
        std::snprintf(buf, sizeof buf, "%.0f%% of the window per frame", 100.0 * p.drawn_fraction);
        row("redrawn", buf);
        row("mode", p.device_mode.c_str());
        if (train_step_ms >= 0) {
            std::snprintf(buf, sizeof buf, "%.1f ms", train_step_ms);
            row("train step", buf);
        }
        std::snprintf(buf, sizeof buf, "grid %.2f ms, latent %.2f ms", p.grid_upload_ms, p.latent_upload_ms);
        row("upload", buf);
        row("via", p.interop ? "CUDA-GL interop" : "CPU pixel buffer");
        std::snprintf(buf, sizeof buf, "%.1f ms", explorer_ms);
        row("explorer G", buf);
        row("GL", p.gl.c_str());
        row("present", p.present.c_str());
        row("window", render_size.c_str());
        ImGui::EndTable();
    }
    if (!p.interop_note.empty()) ImGui::TextWrapped("%s", p.interop_note.c_str());
    PlotSeries frames{"frame ms", {}, p.frame_ms, kColorD};
    for (size_t i = 0; i < p.frame_ms.size(); ++i) frames.x.push_back(double(i));
    PlotStyle style;
    style.smoothing = 0;
    style.height = std::max(ui_em(4), ImGui::GetContentRegionAvail().y);
    style.x_label = "frame";
    style.value_format = "%.1f";
    draw_plot("frame times", {frames}, style);
}

}  // namespace ganscope
