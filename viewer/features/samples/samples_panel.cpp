// The Samples panel (see samples_panel.h). GL thread only.
#include "viewer/features/samples/samples_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {

int SamplesPanel::cell_at(float x, float y, int count, int columns, int cell, int padding) {
    return GridLayout{count, columns, cell, cell, padding}.cell_at(x, y);  // the grid shader's layout
}

void SamplesPanel::draw(const RunView& model, GridModel& g, const LatentLinks& links) {
    if (g.step < 0 || g.count <= 0) {
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
    if (ImGui::SmallButton("+")) m_zoom = std::min(32.0f, (m_zoom > 0 ? m_zoom : 1.0f) * 1.25f);

    ImGui::BeginChild("grid", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    ImGuiIO& io = ImGui::GetIO();
    const float scale = io.DisplayFramebufferScale.x > 0 ? io.DisplayFramebufferScale.x : 1.0f;
    GridLayout layout{g.count, g.columns, g.cell, g.cell, g.padding};
    const float grid_w = float(layout.width()), grid_h = float(layout.height());
    const float fit = std::max(0.05f, std::min(avail.x / grid_w, avail.y / grid_h));
    float zoom = m_zoom > 0 ? m_zoom : fit;  // screen units per grid pixel
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("view", ImVec2(std::max(1.0f, avail.x), std::max(1.0f, avail.y)),
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                               ImGuiButtonFlags_MouseButtonMiddle);
    const bool hovered = ImGui::IsItemHovered();
    // A zoom changed by the buttons keeps the view's centre where it was.
    if (m_last_zoom > 0 && zoom != m_last_zoom)
        for (int axis = 0; axis < 2; ++axis) {
            const float extent = axis ? avail.y : avail.x;
            m_offset[axis] += extent / (2 * m_last_zoom) - extent / (2 * zoom);
        }
    if (hovered && io.MouseWheel != 0 && io.KeyCtrl) {  // ctrl + wheel zooms about the cursor
        const float new_zoom = std::clamp(zoom * (io.MouseWheel > 0 ? 1.2f : 1 / 1.2f), 0.25f, 32.0f);
        const float mx = io.MousePos.x - origin.x, my = io.MousePos.y - origin.y;
        m_offset[0] += mx / zoom - mx / new_zoom;
        m_offset[1] += my / zoom - my / new_zoom;
        m_zoom = zoom = new_zoom;
    } else if (hovered && io.MouseWheel != 0 && m_zoom > 0) {  // the wheel pans (shift: sideways)
        m_offset[io.KeyShift ? 0 : 1] -= io.MouseWheel * 40 / zoom;
    }
    if (hovered && ImGui::IsMouseDragging(ImGuiMouseButton_Middle) && m_zoom > 0) {  // pan
        m_offset[0] -= io.MouseDelta.x / zoom;
        m_offset[1] -= io.MouseDelta.y / zoom;
    }
    // Centred along an axis where the grid is smaller than the view (always, when fitted); else kept inside it.
    for (int axis = 0; axis < 2; ++axis) {
        const float view = (axis ? avail.y : avail.x) / zoom, size = axis ? grid_h : grid_w;
        m_offset[axis] = view >= size ? (size - view) / 2 : std::clamp(m_offset[axis], 0.0f, size - view);
    }
    m_last_zoom = zoom;

    int hovered_cell = -1;
    if (hovered)
        hovered_cell = layout.cell_at(m_offset[0] + (io.MousePos.x - origin.x) / zoom,
                                      m_offset[1] + (io.MousePos.y - origin.y) / zoom);
    // The view the grid shader draws before the next frame, at the panel's pixel size.
    GridView& v = g.view;
    v.width = std::max(1, int(avail.x * scale + 0.5f));
    v.height = std::max(1, int(avail.y * scale + 0.5f));
    v.zoom = zoom * scale;
    v.offset_x = m_offset[0];
    v.offset_y = m_offset[1];
    v.hover = hovered_cell;
    v.frame_px = 3 * scale;  // the hover frame and the verdicts' frames
    if (g.view_image.ready())
        ui_add_image(ImGui::GetWindowDrawList(), ImTextureID(g.view_image.texture), origin,
                     ImVec2(origin.x + g.view_image.width / scale, origin.y + g.view_image.height / scale));
    if (hovered_cell >= 0) {
        int col = hovered_cell % g.columns, row = hovered_cell / g.columns;
        ImGui::BeginTooltip();
        if (g.cell_image.ready()) ui_image(g.cell_image.texture, ImVec2(ui_em(8), ui_em(8)));
        else ImGui::Dummy(ImVec2(ui_em(8), ui_em(8)));
        // Counted from 1, as a person counts.
        ImGui::Text("sample %d of %d (row %d, column %d)", hovered_cell + 1, g.count, row + 1, col + 1);
        if (hovered_cell < int(g.verdicts.size())) {
            const float d = g.verdicts[size_t(hovered_cell)];
            if (g.verdict_probabilities)
                ImGui::Text("discriminator: %.0f%% real (D(G(z)) = %.3f)", 100.0f * d, d);
            else
                ImGui::Text("discriminator's score D(G(z)) = %.3f", d);
            if (g.verdicts_step != g.step) ImGui::TextDisabled("judged on the grid of step %lld", (long long)g.verdicts_step);
        }
        ImGui::TextDisabled("click: explore   right-click: more   ctrl+wheel: zoom   middle-drag: pan");
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
            ImGui::TextDisabled("sample %d", m_menu_cell + 1);  // counted from 1, as the tooltip counts
            if (ImGui::MenuItem("Explore") && links.explore) links.explore(g.latents[m_menu_cell], "sample " + std::to_string(m_menu_cell));
            if (ImGui::MenuItem("Interpolate from (A)") && links.interpolate) links.interpolate(0, g.latents[m_menu_cell]);
            if (ImGui::MenuItem("Interpolate to (B)") && links.interpolate) links.interpolate(1, g.latents[m_menu_cell]);
            if (ImGui::MenuItem("Nearest in the training set") && links.nearest) nearest_cell = m_menu_cell;
        }
        ImGui::EndPopup();
    }
    ImGui::EndChild();
}

}  // namespace ganscope
