// The Inspect panel (see inspect_panel.h). GL thread only.
#include "viewer/features/inspect/inspect_panel.h"

#include <algorithm>
#include <numeric>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

// A colour bar of `map` ("lumen" or "coolwarm") between its two end labels, drawn with ImGui rectangles.
void color_bar(const char* map_name, const char* low, const char* high) {
    const ColorMap& map = color_map(map_name);
    ImGui::TextDisabled("%s", low);
    ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = ui_em(10), h = ImGui::GetTextLineHeight();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const int steps = 32;
    for (int i = 0; i < steps; ++i) {
        const auto c = sample(map, (i + 0.5f) / steps);
        draw->AddRectFilled(ImVec2(p.x + w * i / steps, p.y), ImVec2(p.x + w * (i + 1) / steps + 1, p.y + h),
                            ImGui::ColorConvertFloat4ToU32(ImVec4(c[0], c[1], c[2], 1)));
    }
    ImGui::Dummy(ImVec2(w, h));
    ImGui::SameLine();
    ImGui::TextDisabled("%s", high);
}

// Tiles of `count` one-channel maps (`cell` pixels a side, `columns` wide) shown `size` wide; returns the tile
// and the point in it (tile pixels) under the cursor, or -1.
int tiles_image(const ImageRef& tiles, int count, int columns, int cell, int padding, float width, ImVec2* at) {
    const float fit = width / float(tiles.width);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ui_image(tiles.texture, ImVec2(tiles.width * fit, tiles.height * fit));
    if (!ImGui::IsItemHovered()) return -1;
    const ImGuiIO& io = ImGui::GetIO();
    const float x = (io.MousePos.x - origin.x) / fit, y = (io.MousePos.y - origin.y) / fit;
    const int c = GridLayout{count, columns, cell, cell, padding}.cell_at(x, y);
    if (c >= 0) {
        const float pitch = float(cell + padding);
        *at = ImVec2(x - padding - (c % columns) * pitch, y - padding - (c / columns) * pitch);
    }
    return c;
}

}  // namespace

void InspectPanel::draw(InspectModel& m) {
    m.active = true;
    if (!m.message.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", m.message.c_str());
    if (m.step < 0) {
        ImGui::TextDisabled(m.pending ? "looking inside the networks..."
                                      : "waiting for the networks' weights and the sample grid...");
        return;
    }
    ImGui::Text("weights of step %lld", (long long)m.step);
    if (m.pending) {
        ImGui::SameLine();
        ImGui::TextDisabled("(updating)");
    }
    if (!m.note.empty()) ImGui::TextDisabled("%s", m.note.c_str());
    if (m.latent_space) {
        draw_verdicts(m);
        draw_feature_maps(m);
    } else {
        draw_pairs(m);
    }
}

void InspectPanel::draw_verdicts(const InspectModel& m) {
    if (m.verdicts.empty()) return;
    const auto [lo, hi] = std::minmax_element(m.verdicts.begin(), m.verdicts.end());
    const float mean = std::accumulate(m.verdicts.begin(), m.verdicts.end(), 0.0f) / float(m.verdicts.size());
    // Lines wrap at the panel's edge: at 1280x800 the panel is a third of the window wide.
    ImGui::PushTextWrapPos(0);
    if (m.probabilities) {
        const auto real = std::count_if(m.verdicts.begin(), m.verdicts.end(), [](float v) { return v > 0.5f; });
        ImGui::Text("discriminator on the grid of step %lld: mean %.0f%% real, %lld of %zu judged real", (long long)m.grid_step,
                    100 * mean, (long long)real, m.verdicts.size());
        ImGui::TextDisabled("D(G(z)) from %.3f to %.3f; the Samples panel frames each cell:", *lo, *hi);
        ImGui::PopTextWrapPos();
        color_bar("coolwarm", "fake 0", "1 real");
    } else {
        ImGui::Text("discriminator's scores on the grid of step %lld: mean %.3f, %.3f to %.3f", (long long)m.grid_step, mean,
                    *lo, *hi);
        ImGui::PopTextWrapPos();
        char low[32], high[32];
        std::snprintf(low, sizeof low, "%.3g", m.verdict_low);
        std::snprintf(high, sizeof high, "%.3g", m.verdict_high);
        color_bar("coolwarm", low, high);
    }
    ImGui::Separator();
}

void InspectPanel::draw_feature_maps(InspectModel& m) {
    if (m.layers.empty() || !m.tiles.ready()) {
        ImGui::TextDisabled(m.pending ? "computing the feature maps..." : "waiting for the explorer's latent...");
        return;
    }
    ImGui::Text("feature maps of the explorer latent");
    // The combo takes the panel's width less its label, never more than the longest block name needs.
    const float label = ImGui::CalcTextSize("block").x + ImGui::GetStyle().ItemInnerSpacing.x;
    ImGui::SetNextItemWidth(std::max(ui_em(6), std::min(ui_em(24), ImGui::GetContentRegionAvail().x - label)));
    if (ImGui::BeginCombo("block", m.layers[size_t(m.layer)].c_str())) {
        for (int i = 0; i < int(m.layers.size()); ++i)
            if (ImGui::Selectable(m.layers[size_t(i)].c_str(), i == m.layer)) m.layer = i;
        ImGui::EndCombo();
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%d channels of %dx%d; %s from %.3g to %.3g", m.count, m.cell, m.cell, m.color_map.c_str(),
                        m.low, m.high);
    ImGui::PopTextWrapPos();

    // The tiles take the panel's width (the panel scrolls when they are taller than it), and at least 4 em per map
    // whatever the panel's height: 64 maps squeezed into the height left were 80 px together.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float detail = m.channel >= 0 ? std::min(avail.x, std::max(ui_em(8), avail.y * 0.4f)) : 0.0f;
    const float by_height = (avail.y - detail - ui_em(2)) / m.tiles.height;
    const float at_least = std::min(avail.x / m.tiles.width, ui_em(4) * float(m.columns) / m.tiles.width);
    const float fit = std::max(0.05f, std::max(at_least, std::min(avail.x / m.tiles.width, by_height)));
    ImVec2 at;
    const int c = tiles_image(m.tiles, m.count, m.columns, m.cell, m.padding, m.tiles.width * fit, &at);
    if (c >= 0) {
        ImGui::SetTooltip("channel %d   click: show it large", c);
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) m.channel = c;
    }
    if (m.channel >= 0 && m.channel < m.count) {
        const int col = m.channel % m.columns, row = m.channel / m.columns;
        const float x0 = float(m.padding + col * (m.cell + m.padding)), y0 = float(m.padding + row * (m.cell + m.padding));
        ImGui::Text("channel %d: values %.4g to %.4g", m.channel, m.channel_min, m.channel_max);
        ImGui::SameLine();
        if (ImGui::SmallButton("close")) m.channel = -1;
        const float side = std::max(ui_em(4), std::min(ImGui::GetContentRegionAvail().x, detail));
        ui_image(m.tiles.texture, ImVec2(side, side), ImVec2(x0 / m.tiles.width, y0 / m.tiles.height),
                 ImVec2((x0 + m.cell) / m.tiles.width, (y0 + m.cell) / m.tiles.height));
    }
}

void InspectPanel::draw_pairs(InspectModel& m) {
    if (!m.error_tiles.ready()) {
        ImGui::TextDisabled(m.pending ? "computing the maps..." : "waiting for the validation pairs...");
        return;
    }
    ImGui::Text("%d validation pairs", m.pairs);
    // Side by side when each half has room for its colour bar and labels; else one under the other.
    const float avail = ImGui::GetContentRegionAvail().x, spacing = ImGui::GetStyle().ItemSpacing.x;
    const bool side_by_side = avail >= ui_em(34);
    const float half = side_by_side ? (avail - spacing) / 2 : avail;
    ImVec2 at;
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + half);
    if (m.patch_tiles.ready()) {
        ImGui::Text("PatchGAN: P(real) per patch, mean %.0f%%", 100 * m.patch_mean);
        color_bar("coolwarm", "fake 0", "1 real");
        const int c = tiles_image(m.patch_tiles, m.pairs, m.pair_columns, m.patch_cell, m.padding, half, &at);
        if (c >= 0)
            ImGui::SetTooltip("pair %d, patch (%d, %d): P(real) %.3f\nthe pair's mean %.3f", c, int(at.x), int(at.y),
                              m.patch_at(c, int(at.x), int(at.y)), m.patch_means[size_t(c)]);
    } else {
        ImGui::TextDisabled("no PatchGAN map: %s", m.note.empty() ? "no discriminator" : "see above");
    }
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
    if (side_by_side) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + half);
    ImGui::Text("|output - target|, mean %.3f", m.error_mean);
    char high[32];
    std::snprintf(high, sizeof high, "%.2f", m.error_high);
    color_bar("lumen", "0", high);
    const int c = tiles_image(m.error_tiles, m.pairs, m.pair_columns, m.error_cell, m.padding, half, &at);
    if (c >= 0)
        ImGui::SetTooltip("pair %d at (%d, %d): |output - target| %.3f\nthe pair's mean %.3f (of 2: [-1, 1] units)", c,
                          int(at.x), int(at.y), m.error_at(c, int(at.x), int(at.y)), m.error_means[size_t(c)]);
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
}

}  // namespace ganscope
