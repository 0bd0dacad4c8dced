// The Latent explorer panel (see latent_panel.h). GL thread only.
#include "viewer/features/latent/latent_panel.h"

#include <algorithm>
#include <cstdio>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "ml/models/latent.h"
#include "viewer/widgets/ui_style.h"

namespace ganscope {

void LatentPanel::draw(ExplorerModel& e, const LatentLinks& links) {
    if (!e.base.defined()) {
        ImGui::TextDisabled("waiting for the generator...");
        return;
    }
    // Image on the left, the main controls to its right.
    const float side = std::clamp(ImGui::GetContentRegionAvail().x * 0.45f, ui_em(8), ui_em(18));
    ImGui::BeginGroup();
    if (e.image.ready()) {
        ui_image(e.image.texture, ImVec2(side, side));
        if (ImGui::BeginPopupContextItem("explorer image")) {
            if (ImGui::MenuItem("Nearest in the training set", nullptr, false, bool(links.nearest))) e.nearest = true;
            ImGui::EndPopup();
        }
    } else {
        ImGui::Dummy(ImVec2(side, side));
    }
    ImGui::TextDisabled("weights of step %lld", (long long)e.weights_step);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    if (ImGui::Button("Randomise")) explore_latent(e, truncated_normal(1, e.base.size(0), 0.0, e.randomize_seed++)[0], "a random latent");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("a new random latent (R)");
    ImGui::SameLine();
    if (ImGui::Button("Reset sliders")) {
        std::fill(e.random_offsets.begin(), e.random_offsets.end(), 0.0f);
        std::fill(e.pca_offsets.begin(), e.pca_offsets.end(), 0.0f);
        e.pad[0] = e.pad[1] = 0;
        ++e.revision;
    }
    ImGui::SetNextItemWidth(-ui_em(5.5f));
    if (ImGui::SliderFloat("truncation", &e.truncation, 0.0f, 1.5f, "psi %.2f")) ++e.revision;
    if (ImGui::Button("Use as A") && links.interpolate) links.interpolate(0, explorer_latent(e));
    ImGui::SameLine();
    if (ImGui::Button("Use as B") && links.interpolate) links.interpolate(1, explorer_latent(e));
    draw_pad(e);
    ImGui::EndGroup();
    if (!e.message.empty()) ImGui::TextDisabled("%s", e.message.c_str());
    if (ImGui::BeginTabBar("explorer tabs")) {
        if (ImGui::BeginTabItem("Directions")) {
            draw_sliders(e);
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem("Text & files")) {
            draw_text_and_files(e);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
}

void LatentPanel::draw_sliders(ExplorerModel& e) {
    ImGui::BeginChild("sliders", ImVec2(0, 0), false);
    const float width = ImGui::GetContentRegionAvail().x * 0.5f - ui_em(4);
    auto slider_column = [&](const char* id, std::vector<float>& offsets, const std::vector<std::string>& labels) {
        for (size_t i = 0; i < offsets.size(); ++i) {
            ImGui::PushID(int(i));
            ImGui::SetNextItemWidth(width);
            if (ImGui::SliderFloat(labels[i].c_str(), &offsets[i], -4.0f, 4.0f, "%+.2f")) ++e.revision;
            if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) {  // right-click resets one slider
                offsets[i] = 0;
                ++e.revision;
            }
            ImGui::PopID();
        }
    };
    ImGui::Columns(2, "dirs", false);
    ImGui::TextDisabled("random orthonormal");
    std::vector<std::string> labels;
    for (size_t i = 0; i < e.random_offsets.size(); ++i) labels.push_back("r" + std::to_string(i + 1));
    ImGui::PushID("random");
    slider_column("random", e.random_offsets, labels);
    ImGui::PopID();
    ImGui::NextColumn();
    // The header line holds what acts on the directions: their step, recompute, and following the run.
    if (e.pca_step >= 0)
        ImGui::TextDisabled("GANSpace PCA, step %lld", (long long)e.pca_step);
    else
        ImGui::TextDisabled("GANSpace PCA");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "principal components of early generator features over sampled latents,\n"
            "regressed back to latent directions (GANSpace), from the weights of that step");
    ImGui::BeginDisabled(e.pca_pending);  // on a line of their own: the column is narrow at 1280x800
    if (ImGui::SmallButton(e.pca_pending ? "computing..." : e.pca_directions.defined() ? "recompute" : "compute"))
        e.request_pca = true;
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::Checkbox("follow##pca", &e.pca_follow);
    ImGui::SetItemTooltip(
        "recompute as the run trains (after a quarter more steps, at least 100); sliders keep their places");
    if (e.pca_directions.defined() && !e.pca_offsets.empty()) {
        labels.clear();
        for (size_t i = 0; i < e.pca_offsets.size(); ++i) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "PC%zu %.0f%%", i + 1, 100.0 * (i < e.pca_explained.size() ? e.pca_explained[i] : 0));
            labels.push_back(buf);
        }
        ImGui::PushID("pca");
        slider_column("pca", e.pca_offsets, labels);
        ImGui::PopID();
    }
    ImGui::Columns(1);
    ImGui::EndChild();
}

void LatentPanel::draw_pad(ExplorerModel& e) {
    auto names = explorer_direction_names(e);
    if (names.size() < 2) return;
    const float size = ui_em(6.5f);
    ImGui::BeginGroup();
    for (int k = 0; k < 2; ++k) {
        ImGui::PushID(k);
        ImGui::SetNextItemWidth(ui_em(6.5f));
        e.pad_axes[k] = std::clamp(e.pad_axes[k], 0, int(names.size()) - 1);
        if (ImGui::BeginCombo(k == 0 ? "x" : "y", names[e.pad_axes[k]].c_str())) {
            for (int i = 0; i < int(names.size()); ++i)
                if (ImGui::Selectable(names[i].c_str(), i == e.pad_axes[k])) {
                    e.pad_axes[k] = i;
                    ++e.revision;
                }
            ImGui::EndCombo();
        }
        ImGui::PopID();
    }
    ImGui::EndGroup();
    ImGui::SameLine();
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("pad", ImVec2(size, size));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    ImVec2 p1(p0.x + size, p0.y + size);
    draw->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg), 4);
    draw->AddLine(ImVec2(p0.x + size / 2, p0.y), ImVec2(p0.x + size / 2, p1.y), ImGui::GetColorU32(ImGuiCol_Border));
    draw->AddLine(ImVec2(p0.x, p0.y + size / 2), ImVec2(p1.x, p0.y + size / 2), ImGui::GetColorU32(ImGuiCol_Border));
    const float range = 3.0f;
    if (ImGui::IsItemActive()) {
        ImVec2 m = ImGui::GetIO().MousePos;
        e.pad[0] = std::clamp((m.x - p0.x) / size * 2 - 1, -1.0f, 1.0f) * range;
        e.pad[1] = std::clamp(1 - (m.y - p0.y) / size * 2, -1.0f, 1.0f) * range;
        ++e.revision;
    }
    if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
        e.pad[0] = e.pad[1] = 0;
        ++e.revision;
    }
    ImVec2 dot(p0.x + (e.pad[0] / range + 1) / 2 * size, p0.y + (1 - e.pad[1] / range) / 2 * size);
    draw->AddCircleFilled(dot, 5, IM_COL32(90, 170, 255, 255));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("drag: move along the two directions (%+.2f, %+.2f)\nright-click: centre", e.pad[0], e.pad[1]);
}

void LatentPanel::draw_text_and_files(ExplorerModel& e) {
    ImGui::TextDisabled("the current latent as comma-separated numbers");
    ImGui::InputTextMultiline("##latent", &e.paste_text, ImVec2(-1, ui_em(4)));
    if (ImGui::Button("Copy current")) e.copy_text = true;
    ImGui::SameLine();
    if (ImGui::Button("Paste from clipboard")) {
        const char* clip = ImGui::GetClipboardText();
        if (clip) e.paste_text = clip;
        e.apply_text = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("Apply text")) e.apply_text = true;
    ImGui::SetNextItemWidth(-ui_em(9));
    ImGui::InputText("##file", &e.file_path);
    ImGui::SameLine();
    if (ImGui::Button("Save")) e.save_file = true;
    ImGui::SameLine();
    if (ImGui::Button("Load")) e.load_file = true;
}

}  // namespace ganscope
