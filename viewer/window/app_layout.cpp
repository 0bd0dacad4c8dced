// The window's layout: menu bar, notice line, the panel windows at sensible default places (remembered in
// imgui.ini once moved), and keyboard shortcuts. Main (GL) thread only, inside an ImGui frame.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>

#include "viewer/window/app.h"
#include "viewer/window/ui_style.h"

namespace ganscope {
namespace {

struct Rect {
    float x, y, w, h;
};

// Three columns under the menu bar: controls | grid and curves | latent tools. Proportional, so 1280x800
// and larger windows both come out tidy without overlaps.
struct Layout {
    Rect training, performance, samples, curves, explorer, interpolation;
};

Layout default_layout(ImVec2 display, float top) {
    const float W = display.x, H = display.y - top;
    const float left = std::max(260.0f, W * 0.235f), right = std::max(360.0f, W * 0.36f);
    const float middle = std::max(200.0f, W - left - right);
    const float upper = std::round(H * 0.6f);
    Layout l;
    l.training = {0, top, left, std::round(H * 0.58f)};
    l.performance = {0, top + l.training.h, left, H - l.training.h};
    l.samples = {left, top, middle, upper};
    l.curves = {left, top + upper, middle, H - upper};
    l.explorer = {left + middle, top, W - left - middle, upper};
    l.interpolation = {left + middle, top + upper, W - left - middle, H - upper};
    return l;
}

}  // namespace

void App::handle_shortcuts() {
    ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput || !m_imgui_glfw) return;
    // ImGui 1.86 indexes io.KeysDown by the platform's key codes (GLFW here).
    if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) m_training.intents().toggle = true;
    if (ImGui::IsKeyPressed(GLFW_KEY_S, false) && !io.KeyCtrl) m_training.intents().save = true;
    if (ImGui::IsKeyPressed(GLFW_KEY_F12, false)) m_view.screenshot = true;
    if (ImGui::IsKeyPressed(GLFW_KEY_R, false) && m_view.latent_dim > 0) {
        auto& e = m_explorer.model();
        m_explorer.explore(truncated_normal(1, m_view.latent_dim, 0.0, e.randomize_seed++)[0], "a random latent");
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_Q, false) && io.KeyCtrl) m_context->request_close();
}

void App::draw_ui() {
    RunView& m = m_view;
    TrainingIntents& intents = m_training.intents();
    float top = 0;
    if (ImGui::BeginMainMenuBar()) {
        if (ImGui::BeginMenu("File")) {
            if (ImGui::MenuItem("Save checkpoint", "S", false, m.run.commands)) intents.save = true;
            if (ImGui::MenuItem("Screenshot", "F12")) m.screenshot = true;
            ImGui::Separator();
            if (ImGui::MenuItem("Quit", "Ctrl+Q")) m_context->request_close();
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("Training", m.run.commands)) {
            if (ImGui::MenuItem("Start / pause", "Space")) intents.toggle = true;
            if (ImGui::MenuItem("Single step")) intents.steps = 1;
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("View")) {
            if (ImGui::MenuItem("Reset layout")) m_reset_layout = true;
            if (ImGui::MenuItem("Fake samples")) m.samples_tab = 0;
            if (ImGui::MenuItem("Real images (dataset)")) m.samples_tab = 1;
            if (ImGui::MenuItem("Training history")) m.samples_tab = 2;
            if (ImGui::MenuItem("Record")) m.monitor_tab = 1;
            ImGui::MenuItem("ImGui demo", nullptr, &m_show_demo);
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("Help")) {
            ImGui::TextDisabled("Space  start / pause training");
            ImGui::TextDisabled("S      save a checkpoint");
            ImGui::TextDisabled("F12    screenshot to %s/", m_options.screenshot_dir.c_str());
            ImGui::TextDisabled("R      random latent in the explorer");
            ImGui::TextDisabled("Ctrl+wheel on the grid: zoom; middle-drag: pan");
            ImGui::EndMenu();
        }
        // The run and any notice, right of the menus.
        ImGui::Separator();
        ImGui::TextDisabled("%s", m.source.c_str());
        if (!m.notice.empty() && m.time < m.notice_until) {
            float w = ImGui::CalcTextSize(m.notice.c_str()).x;
            float x = ImGui::GetWindowWidth() - w - ImGui::GetStyle().WindowPadding.x * 2;
            if (x > ImGui::GetCursorPosX()) ImGui::SetCursorPosX(x);
            else ImGui::SameLine();
            ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1), "%s", m.notice.c_str());
        }
        top = ImGui::GetWindowSize().y;
        ImGui::EndMainMenuBar();
    }

    const ImVec2 display = ImGui::GetIO().DisplaySize;
    Layout layout = default_layout(display, top);
    // A resized window re-tiles the panels, and so does a remembered layout that no longer fits (it was made
    // in a larger window): panels cut off at the edge help nobody.
    if (m_layout_display.x > 0 && (m_layout_display.x != display.x || m_layout_display.y != display.y)) {
        m_reset_layout = true;
        m_layout_refit = false;
    }
    m_layout_display = display;
    const ImGuiCond cond = m_reset_layout ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    m_reset_layout = false;
    bool outside = false;
    auto window = [&](const char* title, const Rect& r, auto&& body, ImGuiWindowFlags flags = 0) {
        ImGui::SetNextWindowPos(ImVec2(r.x, r.y), cond);
        ImGui::SetNextWindowSize(ImVec2(r.w, r.h), cond);
        if (ImGui::Begin(title, nullptr, flags | ImGuiWindowFlags_NoCollapse)) body();
        const ImVec2 p = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
        outside = outside || p.x + size.x > display.x + 1 || p.y + size.y > display.y + 1;
        ImGui::End();
    };
    window("Training", layout.training, [&] { m_training.draw(m); });
    window("Performance & record###Performance", layout.performance, [&] {
        if (ImGui::BeginTabBar("monitor tabs")) {
            auto flags = [&](int tab) { return m.monitor_tab == tab ? ImGuiTabItemFlags_SetSelected : 0; };
            if (ImGui::BeginTabItem("Performance", nullptr, flags(0))) {
                m_performance.draw(m);
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem(m_record.recording() ? "Record (on)###Record" : "Record###Record", nullptr, flags(1))) {
                m_record.draw(m);
                ImGui::EndTabItem();
            }
            m.monitor_tab = -1;
            ImGui::EndTabBar();
        }
    });
    window("Samples", layout.samples, [&] {
        if (ImGui::BeginTabBar("samples tabs")) {
            auto flags = [&](int tab) { return m.samples_tab == tab ? ImGuiTabItemFlags_SetSelected : 0; };
            if (ImGui::BeginTabItem("Fakes", nullptr, flags(0))) {
                m_samples.draw(m);
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("Dataset", nullptr, flags(1))) {
                m_dataset.draw(m);
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("History", nullptr, flags(2))) {
                m_history.draw(m);
                ImGui::EndTabItem();
            }
            m.samples_tab = -1;
            ImGui::EndTabBar();
        }
    });
    window("Curves", layout.curves, [&] { m_curves.draw(m); });
    if (m_translate.shown(m)) {
        // pix2pix has no latent space: the Translate panel takes the explorer's and interpolation's column.
        Rect r = layout.explorer;
        r.h += layout.interpolation.h;
        window("Translate", r, [&] { m_translate.draw(m); });
    } else if (m_explorer.shown(m)) {  // not before the source knows the run's model
        window(m_explorer.title(), layout.explorer, [&] { m_explorer.draw(m); });
        window(m_interpolation.title(), layout.interpolation, [&] { m_interpolation.draw(m); });
    }
    if (outside && !m_layout_refit) {  // from the next frame; once per size, since even the default may overflow
        m_reset_layout = true;
        m_layout_refit = true;
    }
    if (m_show_demo) ImGui::ShowDemoWindow(&m_show_demo);
}

}  // namespace ganscope
