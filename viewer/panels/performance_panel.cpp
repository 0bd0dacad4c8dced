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
    if (ImGui::BeginTable("perf", 2, ImGuiTableFlags_SizingStretchProp)) {
        auto row = [](const char* k, const char* v) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", k);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(v);
        };
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.1f ms median (%.0f FPS), p95 %.1f", s.median_ms,
                      s.median_ms > 0 ? 1000.0 / s.median_ms : 0.0, s.p95_ms);
        row("frame", buf);
        row("mode", p.device_mode.c_str());
        if (model.status) {
            std::snprintf(buf, sizeof buf, "%.1f ms", model.status->step_ms);
            row("train step", buf);
        }
        std::snprintf(buf, sizeof buf, "grid %.2f ms, latent %.2f ms (%s)", p.grid_upload_ms, p.latent_upload_ms,
                      p.interop ? "CUDA-GL interop" : "CPU pixel buffer");
        row("upload", buf);
        std::snprintf(buf, sizeof buf, "%.1f ms", model.explorer.inference_ms);
        row("explorer G", buf);
        row("GL", p.gl.c_str());
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
