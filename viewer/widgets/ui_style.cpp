// Theme and fonts (see ui_style.h). GL thread only.
#include "viewer/widgets/ui_style.h"

#include "assets/fonts.h"
#include "render/gl_check.h"

namespace ganscope {

float ui_em(float n) { return ImGui::GetFontSize() * n; }

void apply_ui_style(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    const std::string font = find_font_or_empty(FontRole::Ui);
    ImFontConfig config;
    config.OversampleH = 2;
    if (!font.empty()) {
        // Include the geometric shapes block for the ● state badge.
        static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2190, 0x21FF, 0x25A0, 0x25FF, 0};
        io.Fonts->AddFontFromFileTTF(font.c_str(), 15.0f * scale, &config, ranges);
    } else {
        config.SizePixels = 13.0f * scale;
        io.Fonts->AddFontDefault(&config);
    }

    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 5;
    style.ChildRounding = 4;
    style.FrameRounding = 4;
    style.GrabRounding = 4;
    style.PopupRounding = 4;
    style.TabRounding = 4;
    style.ScrollbarRounding = 6;
    style.WindowPadding = ImVec2(10, 8);
    style.FramePadding = ImVec2(7, 4);
    style.ItemSpacing = ImVec2(8, 6);
    style.WindowBorderSize = 1;
    style.WindowTitleAlign = ImVec2(0.0f, 0.5f);
    ImVec4* c = style.Colors;
    const ImVec4 accent(0.26f, 0.55f, 0.86f, 1.0f);
    c[ImGuiCol_WindowBg] = ImVec4(0.095f, 0.10f, 0.11f, 1.0f);
    c[ImGuiCol_ChildBg] = ImVec4(0.08f, 0.085f, 0.095f, 1.0f);
    c[ImGuiCol_PopupBg] = ImVec4(0.11f, 0.12f, 0.13f, 0.98f);
    c[ImGuiCol_Border] = ImVec4(0.22f, 0.24f, 0.27f, 1.0f);
    c[ImGuiCol_FrameBg] = ImVec4(0.15f, 0.16f, 0.18f, 1.0f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.20f, 0.22f, 0.25f, 1.0f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.24f, 0.27f, 0.31f, 1.0f);
    c[ImGuiCol_TitleBg] = ImVec4(0.075f, 0.08f, 0.09f, 1.0f);
    c[ImGuiCol_TitleBgActive] = ImVec4(0.12f, 0.14f, 0.17f, 1.0f);
    c[ImGuiCol_MenuBarBg] = ImVec4(0.075f, 0.08f, 0.09f, 1.0f);
    c[ImGuiCol_Button] = ImVec4(0.18f, 0.22f, 0.28f, 1.0f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.24f, 0.34f, 0.46f, 1.0f);
    c[ImGuiCol_ButtonActive] = accent;
    c[ImGuiCol_Header] = ImVec4(0.18f, 0.22f, 0.28f, 1.0f);
    c[ImGuiCol_HeaderHovered] = ImVec4(0.24f, 0.34f, 0.46f, 1.0f);
    c[ImGuiCol_HeaderActive] = accent;
    c[ImGuiCol_SliderGrab] = accent;
    c[ImGuiCol_SliderGrabActive] = ImVec4(0.40f, 0.68f, 0.95f, 1.0f);
    c[ImGuiCol_CheckMark] = ImVec4(0.45f, 0.72f, 0.98f, 1.0f);
    c[ImGuiCol_PlotHistogram] = accent;
    c[ImGuiCol_Tab] = ImVec4(0.13f, 0.15f, 0.18f, 1.0f);
    c[ImGuiCol_TabHovered] = ImVec4(0.24f, 0.34f, 0.46f, 1.0f);
    c[ImGuiCol_TabSelected] = ImVec4(0.20f, 0.30f, 0.42f, 1.0f);
    c[ImGuiCol_Separator] = c[ImGuiCol_Border];
    style.ScaleAllSizes(scale);
}

namespace {

void texture_filtering(const ImDrawList*, const ImDrawCmd*) { glBindSampler(0, 0); }

void restore_sampler(ImDrawList* list) {
    if (ImDrawCallback linear = ImGui::GetPlatformIO().DrawCallback_SetSamplerLinear) list->AddCallback(linear, nullptr);
}

}  // namespace

void ui_image(ImTextureID texture, const ImVec2& size, const ImVec2& uv0, const ImVec2& uv1) {
    ImDrawList* list = ImGui::GetWindowDrawList();
    list->AddCallback(texture_filtering, nullptr);
    ImGui::Image(texture, size, uv0, uv1);
    restore_sampler(list);
}

void ui_add_image(ImDrawList* list, ImTextureID texture, const ImVec2& p0, const ImVec2& p1, const ImVec2& uv0,
                  const ImVec2& uv1) {
    list->AddCallback(texture_filtering, nullptr);
    list->AddImage(texture, p0, p1, uv0, uv1);
    restore_sampler(list);
}

}  // namespace ganscope
