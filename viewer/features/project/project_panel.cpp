// The Projection panel (see project_panel.h). GL thread only.
#include "viewer/features/project/project_panel.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

void draw_options(ProjectModel& m) {
    ImGui::SetNextItemWidth(ui_em(6));
    ImGui::InputInt("steps", &m.steps, 50, 100);
    m.steps = std::clamp(m.steps, 2, 100000);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ui_em(6));
    ImGui::InputInt("starts", &m.restarts, 1, 4);
    m.restarts = std::clamp(m.restarts, 1, 64);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ui_em(5));
    ImGui::InputFloat("features", &m.feature_weight, 0.0f, 0.0f, "%.2f");
    m.feature_weight = std::clamp(m.feature_weight, 0.0f, 1000.0f);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("weight of the discriminator-feature term beside the pixel difference (0: pixels only)");
}

}  // namespace

void ProjectPanel::draw(ProjectModel& m) {
    if (m.from.empty())
        ImGui::TextWrapped(
            "Where is a real image in the latent space? Give a file (or drop one on the window): the "
            "latent whose image comes closest is searched from several random starts.");
    ImGui::SetNextItemWidth(std::max(ui_em(8), ImGui::GetContentRegionAvail().x - ui_em(9)));
    const bool enter = ImGui::InputTextWithHint("##image", "image file (PNG, JPEG, ...)", &m.path,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    ImGui::BeginDisabled(m.path.empty());
    if (ImGui::Button("Project") || (enter && !m.path.empty())) m.start = true;
    ImGui::EndDisabled();
    draw_options(m);
    if (!m.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.45f, 0.4f, 1));
        ImGui::TextWrapped("%s", m.error.c_str());
        ImGui::PopStyleColor();
    }
    if (m.from.empty()) return;
    ImGui::Separator();
    ImGui::TextWrapped("%s", m.from.c_str());
    // The target and the reconstruction side by side, the figures to their right, the buttons below: the images as
    // large as that leaves room for.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float large = std::max(ui_em(4), std::min({ui_em(10), (avail.x - ui_em(14) - 2 * spacing) / 2,
                                                     avail.y - 3 * ImGui::GetFrameHeightWithSpacing()}));
    ImGui::BeginGroup();
    if (m.target.ready()) ui_image(m.target.texture, ImVec2(large, large));
    ImGui::TextDisabled("target");
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    if (m.image.ready()) ui_image(m.image.texture, ImVec2(large, large));
    ImGui::TextDisabled("generator");
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    char overlay[64];
    std::snprintf(overlay, sizeof overlay, "%d / %d  %s", m.step, m.total,
                  m.running ? (m.start_kept < 0 ? "searching" : "refining") : (m.complete ? "done" : "stopped"));
    ImGui::ProgressBar(m.total > 0 ? float(m.step) / float(m.total) : 0.0f, ImVec2(-1, 0), overlay);
    ImGui::Text("RMS %.2f levels", m.rms_levels);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("loss %.5f: pixels %.5f, features %.4f", m.loss, m.pixel, m.feature);
    if (m.losses.size() > 1)
        ImGui::PlotLines("##loss", m.losses.data(), int(m.losses.size()), 0, "log10 loss", FLT_MAX, FLT_MAX,
                         ImVec2(-1, std::max(ui_em(2), large - 4 * ImGui::GetFrameHeightWithSpacing())));
    ImGui::TextDisabled("%s", m.features ? "pixels + D features" : "pixels only");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(m.features ? "the loss: pixel difference plus the discriminator's penultimate features"
                                     : "no discriminator in these weights (a followed folder or a served run sends "
                                       "the generator only): the pixel difference alone");
    ImGui::TextDisabled("G of step %lld, %.1f s", (long long)m.weights_step, m.seconds);
    ImGui::EndGroup();
    if (m.running) {
        if (ImGui::Button("Stop")) m.stop = true;
    }
    if (m.has_latent) {
        if (m.running) ImGui::SameLine();
        if (ImGui::Button("Explore")) m.explore = true;
        ImGui::SameLine();
        if (ImGui::Button("Use as A")) m.use_a = true;
        ImGui::SameLine();
        if (ImGui::Button("Use as B")) m.use_b = true;
        ImGui::SetNextItemWidth(ui_em(12));
        ImGui::InputText("##save", &m.save_path);
        ImGui::SameLine();
        if (ImGui::Button("Save latent")) m.save = true;
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(".pt: torch.save({'latent': 1 x L}) for Python; .txt: the explorer's text");
    }
    if (!m.message.empty()) ImGui::TextDisabled("%s", m.message.c_str());
}

void ProjectPanel::draw_dialog(bool open, ProjectModel& m) {
    if (open) ImGui::OpenPopup("Project image");
    if (!ImGui::BeginPopupModal("Project image", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    ImGui::TextUnformatted("An image file to find in the latent space (PNG, JPEG, BMP, GIF, TGA)");
    ImGui::SetNextItemWidth(ui_em(28));
    if (open) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("image", &m.path, ImGuiInputTextFlags_EnterReturnsTrue);
    draw_options(m);
    ImGui::BeginDisabled(m.path.empty());
    if (ImGui::Button("Project") || (enter && !m.path.empty())) {
        m.start = true;
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGuiKey_Escape)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace ganscope
