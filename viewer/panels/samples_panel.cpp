// The Samples panel (see samples_panel.h). GL thread only.
#include "viewer/panels/samples_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "viewer/window/ui_style.h"

namespace ganscope {

int SamplesPanel::cell_at(float x, float y, int count, int columns, int cell, int padding) {
    if (columns <= 0 || cell <= 0 || x < 0 || y < 0) return -1;
    const float pitch = float(cell + padding);
    int col = int((x - padding) / pitch), row = int((y - padding) / pitch);
    float in_x = x - padding - col * pitch, in_y = y - padding - row * pitch;
    if (x < padding || y < padding || in_x >= cell || in_y >= cell || col >= columns) return -1;
    int index = row * columns + col;
    return index < count ? index : -1;
}

void SamplesPanel::draw(const RunView& model, GridModel& g, const LatentLinks& links) {
    if (!g.image.ready()) {
        ImGui::TextDisabled("waiting for the first sample grid...");
        return;
    }
    ImGui::Text("step %lld", (long long)g.step);
    ImGui::SameLine();
    if (model.config && model.config->image_to_image())
        ImGui::TextDisabled("%d validation pairs: input | output | target, %dx%d", g.count / 3, g.cell, g.cell);
    else
        ImGui::TextDisabled("%d fixed latents, %dx%d", g.count, g.cell, g.cell);
    // Zoom buttons at the right when they fit beside the caption, else on their own line.
    const float buttons = ui_em(9.5f);
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x > buttons) ImGui::SameLine(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - buttons);
    else ImGui::NewLine();
    if (ImGui::SmallButton("fit")) m_zoom = 0;
    ImGui::SameLine();
    if (ImGui::SmallButton("1:1")) m_zoom = 1;
    ImGui::SameLine();
    if (ImGui::SmallButton("-")) m_zoom = std::max(0.25f, (m_zoom > 0 ? m_zoom : 1.0f) / 1.25f);
    ImGui::SameLine();
    if (ImGui::SmallButton("+")) m_zoom = std::min(16.0f, (m_zoom > 0 ? m_zoom : 1.0f) * 1.25f);

    ImGui::BeginChild("grid", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    ImVec2 avail = ImGui::GetContentRegionAvail();
    float fit = std::max(0.1f, std::min(avail.x / g.image.width, avail.y / g.image.height));
    float zoom = m_zoom > 0 ? m_zoom : fit;
    ImVec2 size(g.image.width * zoom, g.image.height * zoom);
    // Centre when the grid is smaller than the panel.
    ImVec2 cursor = ImGui::GetCursorPos();
    if (size.x < avail.x) cursor.x += (avail.x - size.x) / 2;
    if (size.y < avail.y) cursor.y += (avail.y - size.y) / 2;
    ImGui::SetCursorPos(cursor);
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ui_image(g.image.texture, size);
    const bool hovered = ImGui::IsItemHovered();
    ImGuiIO& io = ImGui::GetIO();
    if (hovered && io.KeyCtrl && io.MouseWheel != 0) {  // ctrl + wheel zooms; the wheel alone scrolls
        m_zoom = std::clamp(zoom * (io.MouseWheel > 0 ? 1.2f : 1 / 1.2f), 0.25f, 16.0f);
    }
    if (hovered && ImGui::IsMouseDragging(ImGuiMouseButton_Middle)) {  // pan
        ImGui::SetScrollX(ImGui::GetScrollX() - io.MouseDelta.x);
        ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
    }
    int hovered_cell = -1;
    if (hovered) {
        hovered_cell = cell_at((io.MousePos.x - origin.x) / zoom, (io.MousePos.y - origin.y) / zoom, g.count,
                               g.columns, g.cell, g.padding);
    }
    if (hovered_cell >= 0) {
        int col = hovered_cell % g.columns, row = hovered_cell / g.columns;
        float x0 = float(g.padding + col * (g.cell + g.padding)), y0 = float(g.padding + row * (g.cell + g.padding));
        ImDrawList* draw = ImGui::GetWindowDrawList();
        draw->AddRect(ImVec2(origin.x + x0 * zoom, origin.y + y0 * zoom),
                      ImVec2(origin.x + (x0 + g.cell) * zoom, origin.y + (y0 + g.cell) * zoom),
                      IM_COL32(90, 170, 255, 255), 0.0f, 2.0f);
        ImGui::BeginTooltip();
        ImVec2 uv0(x0 / g.image.width, y0 / g.image.height);
        ImVec2 uv1((x0 + g.cell) / g.image.width, (y0 + g.cell) / g.image.height);
        ui_image(g.image.texture, ImVec2(ui_em(8), ui_em(8)), uv0, uv1);
        ImGui::Text("sample %d (row %d, column %d)", hovered_cell, row, col);
        ImGui::TextDisabled("click: explore   right-click: more");
        ImGui::EndTooltip();
        const bool has_latent = g.latents.defined() && hovered_cell < g.latents.size(0);
        if (has_latent && ImGui::IsMouseClicked(ImGuiMouseButton_Left))
            if (links.explore) links.explore(g.latents[hovered_cell], "sample " + std::to_string(hovered_cell));
        if (has_latent && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
            m_menu_cell = hovered_cell;
            ImGui::OpenPopup("cell");
        }
    }
    if (ImGui::BeginPopup("cell")) {
        if (m_menu_cell >= 0 && g.latents.defined() && m_menu_cell < g.latents.size(0)) {
            ImGui::TextDisabled("sample %d", m_menu_cell);
            if (ImGui::MenuItem("Explore") && links.explore) links.explore(g.latents[m_menu_cell], "sample " + std::to_string(m_menu_cell));
            if (ImGui::MenuItem("Interpolate from (A)") && links.interpolate) links.interpolate(0, g.latents[m_menu_cell]);
            if (ImGui::MenuItem("Interpolate to (B)") && links.interpolate) links.interpolate(1, g.latents[m_menu_cell]);
        }
        ImGui::EndPopup();
    }
    ImGui::EndChild();
}

}  // namespace ganscope
