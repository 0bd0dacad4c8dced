// The Dataset panel (see dataset_panel.h). GL thread only.
#include "viewer/features/dataset/dataset_panel.h"

#include <algorithm>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {

void DatasetPanel::draw(DatasetModel& d, const GridModel& fakes) {
    if (d.page_request < 0 && !d.real.ready() && !d.loading && d.error.empty()) d.page_request = 0;
    ImGui::BeginDisabled(d.loading || d.page <= 0);
    if (ImGui::ArrowButton("prev", ImGuiDir_Left)) d.page_request = d.page - 1;
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::Text("page %d of %d", d.page + 1, std::max(1, d.pages));
    ImGui::SameLine();
    ImGui::BeginDisabled(d.loading || d.page + 1 >= d.pages);
    if (ImGui::ArrowButton("next", ImGuiDir_Right)) d.page_request = d.page + 1;
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextDisabled("%s", d.loading ? "loading..." : d.description.c_str());
    if (!d.error.empty()) {
        ImGui::TextColored(ImVec4(1, 0.55f, 0.55f, 1), "%s", d.error.c_str());
        return;
    }
    // Real | fake, each as large as half the panel allows.
    ImVec2 avail = ImGui::GetContentRegionAvail();
    float half = (avail.x - ImGui::GetStyle().ItemSpacing.x) / 2;
    float label = ImGui::GetTextLineHeightWithSpacing();
    auto show = [&](const char* title, const ImageRef& image) {
        ImGui::BeginGroup();
        ImGui::TextDisabled("%s", title);
        if (image.ready()) {
            float scale = std::min(half / image.width, (avail.y - label) / image.height);
            ui_image(image.texture, ImVec2(image.width * scale, image.height * scale));
        } else {
            ImGui::Dummy(ImVec2(half, half));
        }
        ImGui::EndGroup();
    };
    show("real", d.real);
    ImGui::SameLine();
    fakes.whole_wanted = true;
    show("fake (fixed latents)", fakes.image);
}

}  // namespace ganscope
