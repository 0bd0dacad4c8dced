// TranslatePanel (see translate_panel.h). GL thread only; no GL calls.
#include "viewer/features/translate/translate_panel.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {

void TranslatePanel::draw(TranslateModel& t) {
    if (t.description.empty()) {
        ImGui::TextDisabled("waiting for the generator's first weights...");
    } else {
        ImGui::TextDisabled("%s", t.description.c_str());
        ImGui::SameLine();
        if (t.pending) ImGui::TextDisabled("| translating...");
        else ImGui::TextDisabled("| %.1f ms", t.inference_ms);
    }
    draw_tools(t);

    // The images: as large as the panel allows, leaving room for the file rows below.
    const float files_h = ImGui::GetFrameHeightWithSpacing() * 3 + ImGui::GetStyle().ItemSpacing.y;
    ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float height = std::max(32.0f, avail.y - files_h);
    const float side = std::floor(std::max(32.0f, t.split_view ? std::min(avail.x, height) : std::min((avail.x - gap) / 2, height)));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 frame = ImGui::GetColorU32(ImGuiCol_Border);
    ImVec2 pos = ImGui::GetCursorScreenPos();
    if (t.canvas.size() > 0) {
        ImGui::InvisibleButton("canvas", ImVec2(side, side));
        handle_canvas_input(t, pos, side);
        ImVec2 end(pos.x + side, pos.y + side);
        if (!t.split_view) {
            if (t.canvas_image.ready()) ui_add_image(dl, t.canvas_image.texture, pos, end);
            dl->AddRect(pos, end, frame);
            ImGui::SameLine();
            ImVec2 out = ImGui::GetCursorScreenPos();
            ImVec2 out_end(out.x + side, out.y + side);
            if (t.output_image.ready()) ui_image(t.output_image.texture, ImVec2(side, side));
            else ImGui::Dummy(ImVec2(side, side));
            dl->AddRect(out, out_end, frame);
            dl->AddText(ImVec2(pos.x + 4, end.y - ImGui::GetFontSize() - 3), IM_COL32(120, 120, 130, 255), "input");
            dl->AddText(ImVec2(out.x + 4, out_end.y - ImGui::GetFontSize() - 3), IM_COL32(120, 120, 130, 255), "output");
        } else {
            // Input left of the split line, output right of it, both over the same square.
            const float sx = pos.x + side * t.split;
            if (t.canvas_image.ready())
                ui_add_image(dl, t.canvas_image.texture, pos, ImVec2(sx, end.y), ImVec2(0, 0), ImVec2(t.split, 1));
            if (t.output_image.ready())
                ui_add_image(dl, t.output_image.texture, ImVec2(sx, pos.y), end, ImVec2(t.split, 0), ImVec2(1, 1));
            dl->AddLine(ImVec2(sx, pos.y), ImVec2(sx, end.y), IM_COL32(80, 160, 240, 255), 2.0f);
            dl->AddRect(pos, end, frame);
            ImGui::SetNextItemWidth(side);
            ImGui::SliderFloat("##split", &t.split, 0.0f, 1.0f, "split %.2f");
        }
        // The brush outline under the mouse, so its width is visible before drawing.
        if (ImGui::IsMouseHoveringRect(pos, end)) {
            const float r = std::max(1.0f, t.brush.width * 0.5f * side / float(t.canvas.size()));
            dl->AddCircle(ImGui::GetIO().MousePos, r, IM_COL32(80, 160, 240, 200), 24, 1.5f);
        }
    } else {
        ImGui::Dummy(ImVec2(side, side));
    }
    draw_files(t);
    if (!t.message.empty()) ImGui::TextWrapped("%s", t.message.c_str());
}

void TranslatePanel::draw_tools(TranslateModel& t) {
    int tool = int(t.brush.tool);
    ImGui::RadioButton("pen", &tool, int(CanvasTool::Pen));
    ImGui::SameLine();
    ImGui::RadioButton("eraser", &tool, int(CanvasTool::Eraser));
    t.brush.tool = CanvasTool(tool);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ui_em(6));
    ImGui::SliderFloat("width", &t.brush.width, 1.0f, 24.0f, "%.0f px");
    if (t.needs_colour) {
        // Colour only where the model's input domain has colour; line-art inputs get black strokes.
        float c[3] = {t.brush.colour.r / 255.0f, t.brush.colour.g / 255.0f, t.brush.colour.b / 255.0f};
        ImGui::SameLine();
        if (ImGui::ColorEdit3("colour", c, ImGuiColorEditFlags_NoInputs))
            t.brush.colour = Rgb{uint8_t(std::lround(c[0] * 255)), uint8_t(std::lround(c[1] * 255)), uint8_t(std::lround(c[2] * 255))};
    } else {
        t.brush.colour = Rgb{0, 0, 0};
    }
    ImGui::BeginDisabled(!t.canvas.can_undo());
    if (ImGui::Button("undo")) t.canvas.undo();
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!t.canvas.can_redo());
    if (ImGui::Button("redo")) t.canvas.redo();
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("clear")) t.canvas.clear();
    ImGui::SameLine();
    ImGui::Checkbox("split view", &t.split_view);
    ImGuiIO& io = ImGui::GetIO();
    if (ImGui::IsWindowFocused() && io.KeyCtrl && !io.WantTextInput) {
        // Ctrl+Z / Ctrl+Y; ImGui 1.86 maps the named keys through io.KeyMap.
        if (ImGui::IsKeyPressed(ImGuiKey_Z, false)) t.canvas.undo();
        if (ImGui::IsKeyPressed(ImGuiKey_Y, false)) t.canvas.redo();
    }
}

void TranslatePanel::handle_canvas_input(TranslateModel& t, ImVec2 pos, float side) {
    const float scale = float(t.canvas.size()) / side;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const float x = (mouse.x - pos.x) * scale, y = (mouse.y - pos.y) * scale;
    if (ImGui::IsItemActivated()) {
        t.canvas.begin_stroke();
        m_stroking = true;
        m_last_x = x;
        m_last_y = y;
    }
    if (m_stroking && ImGui::IsItemActive()) {
        t.canvas.stroke(m_last_x, m_last_y, x, y, t.brush);
        m_last_x = x;
        m_last_y = y;
    }
    if (!ImGui::IsItemActive()) m_stroking = false;
}

void TranslatePanel::draw_files(TranslateModel& t) {
    const float button = ui_em(7);
    auto row = [&](const char* id, std::string& path, const char* hint, const char* label, bool& intent) {
        ImGui::PushID(id);
        ImGui::SetNextItemWidth(std::max(ui_em(6), ImGui::GetContentRegionAvail().x - button - ImGui::GetStyle().ItemSpacing.x));
        const bool enter = ImGui::InputTextWithHint("##path", hint, &path, ImGuiInputTextFlags_EnterReturnsTrue);
        ImGui::SameLine();
        if ((ImGui::Button(label, ImVec2(button, 0)) || enter) && !path.empty()) intent = true;
        ImGui::PopID();
    };
    row("load", t.load_path, "image to load (or drop one on the window)", "load image", t.load);
    row("open", t.checkpoint_path, "checkpoint or latest_net_G.pth", "open model", t.open_checkpoint);
    row("save", t.save_path, "output PNG", t.output_ascii ? "save png+txt" : "save png", t.save);
}

}  // namespace ganscope
