// The Record panel (see record_panel.h). GL thread only.
#include "viewer/features/record/record_panel.h"

#include <cstdio>
#include <string>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

// A text field on a std::string (ImGui 1.86 without the std::string helpers).
void path_field(const char* label, std::string& value) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s", value.c_str());
    ImGui::SetNextItemWidth(-ui_em(2.5f));
    if (ImGui::InputText(label, buf, sizeof buf)) value = buf;
}

ImVec4 state_colour(const std::string& state) {
    if (state == "recording" || state == "rendering") return ImVec4(1.0f, 0.42f, 0.38f, 1);
    if (state == "finished") return ImVec4(0.45f, 0.8f, 0.5f, 1);
    if (state == "failed") return ImVec4(1.0f, 0.55f, 0.3f, 1);
    return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

// State, frames, missed, file and error of one recording.
void status_lines(const RecordingView& v, const char* unit) {
    ImGui::TextColored(state_colour(v.state), "%s", v.state.c_str());
    if (v.frames > 0 || v.active) {
        ImGui::SameLine();
        ImGui::Text("%lld %s", (long long)v.frames, unit);
        if (v.missed > 0) {
            ImGui::SameLine();
            ImGui::TextDisabled("(%lld missed)", (long long)v.missed);
        }
    }
    if (!v.detail.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", v.detail.c_str());
    }
    if (v.progress >= 0 && v.active) ImGui::ProgressBar(float(v.progress), ImVec2(-1, 0));
    if (!v.path.empty() && !v.active && v.state == "finished") ImGui::TextDisabled("-> %s", v.path.c_str());
    if (!v.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.55f, 0.3f, 1));
        ImGui::TextWrapped("%s", v.error.c_str());
        ImGui::PopStyleColor();
    }
}

// Start or stop, sized to the panel.
bool toggle_button(bool active, const char* start, const char* stop, bool enabled = true) {
    if (!enabled && !active) ImGui::BeginDisabled();
    bool pressed = ImGui::Button(active ? stop : start, ImVec2(ui_em(5.5f), 0));
    if (!enabled && !active) ImGui::EndDisabled();
    return pressed;
}

}  // namespace

void RecordPanel::draw(RecordModel& r) {
    ImGui::PushItemWidth(ui_em(3.2f));

    if (ImGui::CollapsingHeader("Sample grid timelapse", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("grid");
        if (r.grid.active) ImGui::BeginDisabled();
        path_field("file", r.grid_path);
        ImGui::InputInt("steps apart", &r.grid_every, 0);
        ImGui::SameLine();
        ImGui::InputFloat("fps", &r.grid_fps, 0, 0, "%.0f");
        ImGui::SameLine();
        ImGui::Checkbox("caption", &r.grid_caption);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("step, epoch and losses above each grid");
        if (r.grid.active) ImGui::EndDisabled();
        if (toggle_button(r.grid.active, "Record", "Stop", r.can_record_grid)) (r.grid.active ? r.stop_grid : r.start_grid) = true;
        if (ImGui::IsItemHovered() && !r.can_record_grid) ImGui::SetTooltip("grids come from training; not in --open mode");
        ImGui::SameLine();
        status_lines(r.grid, "frames");
        ImGui::PopID();
    }

    if (ImGui::CollapsingHeader("Window recording", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("window");
        if (r.window.active) ImGui::BeginDisabled();
        path_field("file", r.window_path);
        ImGui::InputFloat("fps", &r.window_fps, 0, 0, "%.0f");
        if (r.window.active) ImGui::EndDisabled();
        ImGui::SameLine();
        if (toggle_button(r.window.active, "Record", "Stop")) (r.window.active ? r.stop_window : r.start_window) = true;
        ImGui::SameLine();
        status_lines(r.window, "frames");
        ImGui::PopID();
    }

    if (ImGui::CollapsingHeader("Latent walk video", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("walk");
        if (r.walk.active) ImGui::BeginDisabled();
        path_field("file", r.walk_path);
        ImGui::RadioButton("interpolate", &r.walk_kind, 0);
        ImGui::SameLine();
        ImGui::RadioButton("random walk", &r.walk_kind, 1);
        ImGui::InputInt("px", &r.walk_resolution, 0);
        ImGui::SameLine();
        ImGui::InputFloat("s", &r.walk_seconds, 0, 0, "%.1f");
        ImGui::SameLine();
        ImGui::InputFloat("fps", &r.walk_fps, 0, 0, "%.0f");
        ImGui::InputInt("latents per frame", &r.walk_count, 0);
        if (r.walk.active) ImGui::EndDisabled();
        if (toggle_button(r.walk.active, "Render", "Cancel", r.has_weights)) (r.walk.active ? r.cancel_walk : r.start_walk) = true;
        if (ImGui::IsItemHovered() && !r.has_weights) ImGui::SetTooltip("waiting for the generator's first weights");
        ImGui::SameLine();
        status_lines(r.walk, "frames");
        ImGui::PopID();
    }
    ImGui::PopItemWidth();
}

}  // namespace ganscope
