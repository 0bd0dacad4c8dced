// The Performance panel (see performance_panel.h). GL thread only.
#include "viewer/panels/performance_panel.h"

#include <cstdio>

#include <imgui.h>

#include "viewer/frame_stats.h"
#include "viewer/plot.h"
#include "viewer/ui_style.h"

namespace ganscope {

void PerformancePanel::draw(AppModel& model) {
    const PerformanceModel& p = model.performance;
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
        row("mode", p.device_mode.c_str());
        if (model.status) {
            std::snprintf(buf, sizeof buf, "%.1f ms", model.status->step_ms);
            row("train step", buf);
        }
        std::snprintf(buf, sizeof buf, "grid %.2f ms, latent %.2f ms", p.grid_upload_ms, p.latent_upload_ms);
        row("upload", buf);
        row("via", p.interop ? "CUDA-GL interop" : "CPU pixel buffer");
        std::snprintf(buf, sizeof buf, "%.1f ms", model.explorer.inference_ms);
        row("explorer G", buf);
        row("GL", p.gl.c_str());
        row("window", model.render_size.c_str());
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
