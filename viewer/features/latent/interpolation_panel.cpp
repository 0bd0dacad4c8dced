// The Interpolation panel (see interpolation_panel.h). GL thread only.
#include "viewer/features/latent/interpolation_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "ml/models/latent.h"
#include "viewer/widgets/ui_style.h"

namespace ganscope {

void InterpolationPanel::draw(InterpolationModel& m, const LatentLinks& links) {
    if (ImGui::RadioButton("A \xe2\x86\x92 B", !m.walk)) m.walk = false;  // →
    ImGui::SameLine();
    if (ImGui::RadioButton("walk", m.walk)) m.walk = true;
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    if (!m.walk) {
        ImGui::SetNextItemWidth(ui_em(4));
        if (ImGui::SliderInt("frames", &m.frames, 2, 16)) ++m.revision;
        ImGui::SameLine();
        if (ImGui::Checkbox("slerp", &m.spherical)) ++m.revision;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("spherical interpolation (keeps latent norms); off: linear");
        ImGui::SameLine();
        ImGui::Checkbox("loop", &m.animate);
    } else {
        ImGui::SetNextItemWidth(ui_em(7));
        ImGui::SliderFloat("speed", &m.walk_speed, 0.05f, 2.0f, "%.2f key/s");
    }

    const float avail = ImGui::GetContentRegionAvail().x;
    if (m.walk) {
        float side = std::min(avail, ImGui::GetContentRegionAvail().y - ui_em(0.5f));
        side = std::max(side, ui_em(4));
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (avail - side) / 2);
        if (m.walk_image.ready()) ui_image(m.walk_image.texture, ImVec2(side, side));
        else ImGui::TextDisabled("walking...");
        return;
    }
    if (!m.a.defined() || !m.b.defined()) {
        ImGui::TextWrapped("Pick A and B: right-click a sample in the grid, or use the explorer's "
                           "\"Use as A\" / \"Use as B\".");
        ImGui::TextDisabled("A: %s   B: %s", m.a.defined() ? "set" : "-", m.b.defined() ? "set" : "-");
        return;
    }
    if (!m.strip.ready() || m.cell <= 0) {
        ImGui::TextDisabled("rendering...");
        return;
    }
    // The strip, scaled to the panel width; click a frame to explore it.
    const int frames = std::max(1, (m.strip.width - m.padding) / (m.cell + m.padding));
    float scale = avail / m.strip.width;
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ui_image(m.strip.texture, ImVec2(m.strip.width * scale, m.strip.height * scale));
    int frame = -1;
    if (ImGui::IsItemHovered()) {
        float x = (ImGui::GetIO().MousePos.x - origin.x) / scale;
        frame = std::clamp(int((x - m.padding) / (m.cell + m.padding)), 0, frames - 1);
        ImGui::SetTooltip("frame %d of %d, t = %.2f (click: explore; right-click: more)", frame + 1, frames,
                          frames > 1 ? double(frame) / (frames - 1) : 0.0);
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
            m_menu_frame = frame;
            ImGui::OpenPopup("frame");
        }
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            double t = frames > 1 ? double(frame) / (frames - 1) : 0.0;
            // The explorer takes the frame's latent; the App computes it the same way it built the strip.
            torch::Tensor z = m.spherical ? slerp_latent(m.a, m.b, t) : lerp_latent(m.a, m.b, t);
            if (links.explore) links.explore(z, "interpolation frame " + std::to_string(frame + 1));
        }
    }
    if (ImGui::BeginPopup("frame")) {
        ImGui::TextDisabled("frame %d", m_menu_frame + 1);
        if (ImGui::MenuItem("Nearest in the training set", nullptr, false, bool(links.nearest)))
            m.nearest_frame = m_menu_frame;
        ImGui::EndPopup();
    }
    // The loop: one frame of the strip large, ping-ponging so it never jumps.
    if (m.animate) {
        m.phase += ImGui::GetIO().DeltaTime * m.speed * 4.0;
        const int shown = interpolation_loop_frame(m.phase, frames);
        float side = std::max(ui_em(3), std::min(avail, ImGui::GetContentRegionAvail().y - ui_em(2)));
        float x0 = float(m.padding + shown * (m.cell + m.padding));
        ImVec2 uv0(x0 / m.strip.width, float(m.padding) / m.strip.height);
        ImVec2 uv1((x0 + m.cell) / m.strip.width, float(m.padding + m.cell) / m.strip.height);
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (avail - side) / 2);
        ui_image(m.strip.texture, ImVec2(side, side), uv0, uv1);
        ImGui::SetNextItemWidth(-ui_em(4));
        ImGui::SliderFloat("speed", &m.speed, 0.1f, 4.0f, "%.1fx");
    }
}

}  // namespace ganscope
