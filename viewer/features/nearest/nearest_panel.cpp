// The Nearest panel (see nearest_panel.h). GL thread only.
#include "viewer/features/nearest/nearest_panel.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

// What names an image in one line: a file's name without its folders, an image of a built-in set ("emoji (3926 Noto
// Color Emoji glyphs)#328") by its number. The whole name is in the tooltip.
std::string short_name(const std::string& name) {
    const auto hash = name.rfind('#');
    if (name.find('/') == std::string::npos && hash != std::string::npos) return name.substr(hash);
    return std::filesystem::path(name).filename().string();
}

// `text` cut to `width` pixels, its end replaced by "..." when it did not fit.
std::string fitted(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    std::string cut = text;
    while (!cut.empty() && ImGui::CalcTextSize((cut + "...").c_str()).x > width) cut.pop_back();
    return cut + "...";
}

}  // namespace

void NearestPanel::draw(NearestModel& m) {
    if (!m.error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", m.error.c_str());
    if (m.from.empty()) {
        if (m.pending)
            ImGui::TextDisabled("reading the training images (the first query builds their index)...");
        else
            ImGui::TextWrapped(
                "Is a sample a copy of a training image? Right-click a cell of the Samples grid and "
                "choose Nearest in the training set.");
        return;
    }
    const float width = ImGui::GetContentRegionAvail().x;
    const int k = int(m.matches.size());
    ImGui::Text("%s", m.from.c_str());
    if (m.pending) {
        ImGui::SameLine();
        ImGui::TextDisabled("(looking up the newest)");
    }
    // The image asked about and the picked match, large, side by side.
    const float large = std::max(ui_em(4), std::min(ui_em(12), (width - ImGui::GetStyle().ItemSpacing.x) / 2));
    if (m.query.ready()) ui_image(m.query.texture, ImVec2(large, large));
    if (m.picked >= 0 && m.picked < k && m.matches[size_t(m.picked)].image.ready()) {
        ImGui::SameLine();
        ui_image(m.matches[size_t(m.picked)].image.texture, ImVec2(large, large));
    }
    if (m.picked >= 0 && m.picked < k) {
        const NearestModel::Match& p = m.matches[size_t(m.picked)];
        ImGui::TextWrapped("nearest %d: %s, %.1f levels", m.picked + 1, short_name(p.name).c_str(), p.distance);
    }
    ImGui::Separator();
    // Every match, nearest first; a click shows it large.
    const float cell = std::max(
        ui_em(3), std::min(ui_em(6), width / float(std::max(1, std::min(k, 4))) - ImGui::GetStyle().ItemSpacing.x));
    const int columns =
        std::max(1, int((width + ImGui::GetStyle().ItemSpacing.x) / (cell + ImGui::GetStyle().ItemSpacing.x)));
    for (int i = 0; i < k; ++i) {
        const NearestModel::Match& match = m.matches[size_t(i)];
        if (i % columns) ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::PushID(i);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        if (match.image.ready()) ui_image(match.image.texture, ImVec2(cell, cell));
        if (ImGui::IsItemClicked(ImGuiMouseButton_Left)) m.picked = i;
        const bool closer = match.distance < m.typical;
        if (i == m.picked || closer)
            ImGui::GetWindowDrawList()->AddRect(
                at, ImVec2(at.x + cell, at.y + cell),
                i == m.picked ? IM_COL32(235, 235, 235, 255) : IM_COL32(240, 150, 60, 255), 0.0f, 2.0f);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%s\n%.2f levels%s", match.name.c_str(), match.distance,
                              closer ? "\ncloser than training images are to each other" : "");
        ImGui::TextDisabled("%.1f", match.distance);
        ImGui::TextDisabled("%s", fitted(short_name(match.name), cell).c_str());
        ImGui::PopID();
        ImGui::EndGroup();
    }
    ImGui::Separator();
    ImGui::TextWrapped(
        "distance: RMS difference in 8-bit levels at %dx%d, over %lld training images; training images "
        "are %.1f from their nearest other (median): an orange frame is closer than that",
        m.image_size, m.image_size, (long long)m.index_size, m.typical);
    char built[48] = "";
    if (m.index_seconds > 0) std::snprintf(built, sizeof built, " in %.1f s", m.index_seconds);
    ImGui::TextDisabled("index %s%s; query %.1f ms", m.from_cache ? "read from the cache" : "built", built, m.query_ms);
}

}  // namespace ganscope
