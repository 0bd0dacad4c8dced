// The History tab (see history_panel.h). GL thread only.
#include "viewer/features/history/history_panel.h"

#include <algorithm>
#include <string>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {

void HistoryPanel::draw(HistoryViewModel& h, const GridModel& g, const ExplorerModel& e) {
    h.active = true;  // the App renders snapshots only while this tab is on screen
    if (h.run_dir.empty()) {
        ImGui::TextDisabled("no run folder: history snapshots are kept in runs/NAME/history");
        return;
    }
    const int count = int(h.steps.size());
    if (count == 0) {
        ImGui::TextDisabled("no snapshots in %s/history yet", h.run_dir.c_str());
        ImGui::TextDisabled("(each epoch, or every --history-every steps)");
        if (!h.error.empty()) ImGui::TextDisabled("%s", h.error.c_str());
        return;
    }
    // The slider's last position is "live"; the others are the snapshots, oldest first.
    int position = h.live() ? count : h.position;
    std::string label = h.live() ? "live" : "step " + std::to_string(h.steps[size_t(position)]);
    ImGui::SetNextItemWidth(-ui_em(6.5f));
    if (ImGui::SliderInt("##history", &position, 0, count, label.c_str())) h.position = position >= count ? -1 : position;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%d snapshots, steps %lld to %lld; the far right follows training", count,
                          (long long)h.steps.front(), (long long)h.steps.back());
    ImGui::SameLine();
    if (ImGui::ArrowButton("older", ImGuiDir_Left)) h.position = std::max(0, (h.live() ? count : h.position) - 1);
    ImGui::SameLine();
    if (ImGui::ArrowButton("newer", ImGuiDir_Right) && !h.live()) h.position = h.position + 1 >= count ? -1 : h.position + 1;
    ImGui::SameLine();
    if (ImGui::SmallButton("live")) h.position = -1;

    const bool live = h.live();
    if (live) g.whole_wanted = true;
    const uint64_t grid = live ? g.image.texture : h.grid_texture;
    const int gw = live ? g.image.width : h.grid_width, gh = live ? g.image.height : h.grid_height;
    const uint64_t single = live ? e.image.texture : h.explorer_texture;
    const int sw = live ? e.image.width : h.explorer_width, sh = live ? e.image.height : h.explorer_height;
    if (live) ImGui::TextDisabled("live: step %lld", (long long)g.step);
    else if (h.pending || h.shown_step < 0) ImGui::TextDisabled("rendering the snapshot of step %lld...", (long long)h.steps[size_t(h.position)]);
    else ImGui::Text("as the generator of step %lld drew them", (long long)h.shown_step);
    if (!h.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.55f, 0.3f, 1), "%s", h.error.c_str());

    // Grid on the left, the explorer's latent on the right, both scaled to fit.
    ImVec2 avail = ImGui::GetContentRegionAvail();
    const float side = std::min(avail.x * 0.3f, avail.y);
    const float grid_w = avail.x - side - ImGui::GetStyle().ItemSpacing.x;
    if (grid && gw > 0 && gh > 0 && (live || h.shown_step >= 0)) {
        float scale = std::max(0.1f, std::min(grid_w / gw, avail.y / gh));
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        ui_image(grid, ImVec2(gw * scale, gh * scale));
        // A snapshot's cell: right-click for its nearest training images (live cells have the Samples grid's menu).
        if (!live && h.cell > 0 && h.columns > 0 && ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
            const ImVec2 at = ImGui::GetIO().MousePos;
            const int x = int((at.x - origin.x) / scale) - h.padding, y = int((at.y - origin.y) / scale) - h.padding;
            const int column = x / (h.cell + h.padding), row = y / (h.cell + h.padding);
            if (x >= 0 && y >= 0 && x % (h.cell + h.padding) < h.cell && y % (h.cell + h.padding) < h.cell &&
                column < h.columns) {
                h.menu_cell = row * h.columns + column;
                ImGui::OpenPopup("history image");
            }
        }
    } else {
        ImGui::Dummy(ImVec2(grid_w, avail.y));
    }
    ImGui::SameLine(grid_w + ImGui::GetStyle().ItemSpacing.x + ImGui::GetStyle().WindowPadding.x);
    ImGui::BeginGroup();
    ImGui::TextDisabled("explorer latent");
    if (single && sw > 0 && sh > 0 && (live || h.shown_step >= 0)) {
        ui_image(single, ImVec2(side, side * sh / sw));
        if (!live && ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
            h.menu_cell = -2;
            ImGui::OpenPopup("history image");
        }
    }
    ImGui::EndGroup();
    if (ImGui::BeginPopup("history image")) {
        if (h.menu_cell >= 0)
            ImGui::TextDisabled("sample %d of step %lld", h.menu_cell + 1, (long long)h.shown_step);
        else
            ImGui::TextDisabled("the explorer's latent at step %lld", (long long)h.shown_step);
        if (ImGui::MenuItem("Nearest in the training set")) h.nearest = h.menu_cell;
        ImGui::EndPopup();
    }
}

}  // namespace ganscope
