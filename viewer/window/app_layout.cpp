// The window's layout: the menu bar with its notice line, a dock space over the rest with every panel as a
// dockable window (the default arrangement from assets/dock_layout.h, the user's own remembered in imgui.ini with
// which panels are shown), and the keyboard shortcuts. Main (GL) thread only, inside an ImGui frame.
#include <algorithm>
#include <sstream>

#include <imgui.h>
#include <imgui_internal.h>  // DockBuilder: the default layout; BeginViewportSideBar: the alert bar
#include <implot.h>

#include "assets/dock_layout.h"
#include "viewer/window/app.h"
#include "viewer/widgets/ui_style.h"

namespace ganscope {

namespace {

ImGuiDir dir_of(DockSide side) {
    switch (side) {
        case DockSide::Left: return ImGuiDir_Left;
        case DockSide::Right: return ImGuiDir_Right;
        case DockSide::Up: return ImGuiDir_Up;
        case DockSide::Down: return ImGuiDir_Down;
    }
    return ImGuiDir_Left;
}

// Dear ImGui keeps a dock space's "central node" when its last panel leaves it: it is the space's remainder, a hole
// that a host application draws its scene into. The window draws nothing there, so a panel docked elsewhere (or
// closed) left an empty grey node behind. Without the flag that node goes as every other node does: removed when
// its panel moves away, hidden while a panel closed in it may come back, and its neighbour takes the room. A dock
// space that is one node keeps it (it is the empty dock space itself).
void release_central_node(ImGuiDockNode* node) {
    if (!node) return;
    if (node->IsCentralNode()) node->SetLocalFlags(node->LocalFlags & ~ImGuiDockNodeFlags_CentralNode);
    release_central_node(node->ChildNodes[0]);
    release_central_node(node->ChildNodes[1]);
}

void release_central_node(ImGuiID dockspace) {
    ImGuiDockNode* root = ImGui::DockBuilderGetNode(dockspace);
    if (!root || root->IsLeafNode()) return;
    release_central_node(root->ChildNodes[0]);
    release_central_node(root->ChildNodes[1]);
    root->CentralNode = nullptr;
}

}  // namespace

void App::apply_default_layout(ImGuiID dockspace, bool latent_space) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::DockBuilderRemoveNode(dockspace);
    ImGui::DockBuilderAddNode(dockspace, ImGuiDockNodeFlags_DockSpace);
    ImGui::DockBuilderSetNodeSize(dockspace, viewport->WorkSize);
    const DockLayout layout = default_dock_layout(latent_space);
    std::vector<std::pair<std::string, ImGuiID>> nodes = {{"root", dockspace}};
    auto node = [&](const std::string& name) {
        for (const auto& [n, id] : nodes)
            if (n == name) return id;
        throw std::logic_error("assets/dock_layout.cpp: no node " + name);
    };
    for (const DockSplit& s : layout.splits) {
        ImGuiID first = 0, second = 0;
        ImGui::DockBuilderSplitNode(node(s.node), dir_of(s.side), s.fraction, &first, &second);
        nodes.emplace_back(s.first, first);
        nodes.emplace_back(s.second, second);
    }
    for (const DockPlacement& p : layout.panels) ImGui::DockBuilderDockWindow(p.panel, node(p.node));
    ImGui::DockBuilderFinish(dockspace);
    // The first panel placed in each node is its front tab.
    m_focus_after_layout.clear();
    for (size_t i = 0; i < layout.panels.size(); ++i) {
        bool first = true;
        for (size_t j = 0; j < i; ++j) first = first && std::string(layout.panels[j].node) != layout.panels[i].node;
        if (first) m_focus_after_layout.emplace_back(layout.panels[i].panel);
    }
    m_focus_frames = 30;
}

void App::handle_shortcuts() {
    ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput || !m_imgui_glfw) return;
    if (ImGui::IsKeyPressed(ImGuiKey_Space, false)) m_training.intents().toggle = true;
    if (ImGui::IsKeyPressed(ImGuiKey_S, false) && !io.KeyCtrl) m_training.intents().add({RunCommand::Kind::Save});
    if (ImGui::IsKeyPressed(ImGuiKey_F12, false)) m_view.screenshot = true;
    if (ImGui::IsKeyPressed(ImGuiKey_R, false) && m_view.latent_dim > 0) {
        auto& e = m_explorer.model();
        m_explorer.explore(truncated_normal(1, m_view.latent_dim, 0.0, e.randomize_seed++)[0], "a random latent");
    }
    if (ImGui::IsKeyPressed(ImGuiKey_Q, false) && io.KeyCtrl) m_context->request_close();
}

bool App::panel_open(const char* title) const {
    return std::find(m_hidden.begin(), m_hidden.end(), title) == m_hidden.end();
}

void App::set_panel_open(const char* title, bool open) {
    auto it = std::find(m_hidden.begin(), m_hidden.end(), title);
    if (open == (it == m_hidden.end())) return;  // already so: imgui.ini needs no rewrite
    if (open) m_hidden.erase(it);
    else m_hidden.emplace_back(title);
    ImGui::MarkIniSettingsDirty();
}

void App::draw_ui() {
    RunView& m = m_view;
    TrainingIntents& intents = m_training.intents();
    if (ImGui::BeginMainMenuBar()) {
        if (ImGui::BeginMenu("File")) {
            if (ImGui::MenuItem("Save checkpoint", "S", false, m.run.commands)) intents.add({RunCommand::Kind::Save});
            if (ImGui::MenuItem("Screenshot", "F12")) m.screenshot = true;
            if (ImGui::MenuItem("Add run...")) m_add_run = true;  // compare another run beside this one
            // A real image into the latent space (a run with one).
            if (ImGui::MenuItem("Project image...", nullptr, false, m_project.shown(m))) m_project_image = true;
            ImGui::Separator();
            if (ImGui::MenuItem("Quit", "Ctrl+Q")) m_context->request_close();
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("Training", m.run.commands)) {
            if (ImGui::MenuItem("Start / pause", "Space")) intents.toggle = true;
            if (ImGui::MenuItem("Single step")) intents.add({RunCommand::Kind::Step, 1});
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("View")) {
            // Every panel this run has, shown or hidden; hidden ones keep their place in the layout.
            for (Module* mod : m_modules) {
                if (!mod->shown(m)) continue;
                bool open = panel_open(mod->title());
                if (ImGui::MenuItem(mod->title(), nullptr, &open)) {
                    set_panel_open(mod->title(), open);
                    if (open) m_focus_after_layout.emplace_back(mod->title()), m_focus_frames = 30;  // and in front
                }
            }
            ImGui::Separator();
            if (ImGui::MenuItem("Reset layout")) m_reset_layout = true;
            ImGui::MenuItem("ImGui demo", nullptr, &m_show_demo);
            ImGui::EndMenu();
        }
        if (ImGui::BeginMenu("Help")) {
            ImGui::TextDisabled("Space  start / pause training");
            ImGui::TextDisabled("S      save a checkpoint");
            ImGui::TextDisabled("F12    screenshot to %s/", screenshot_folder().c_str());
            ImGui::TextDisabled("R      random latent in the explorer");
            ImGui::TextDisabled("Ctrl+wheel on the grid: zoom; middle-drag: pan");
            ImGui::TextDisabled("Drag a panel's tab to dock it elsewhere, or out of the window");
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
        ImGui::EndMainMenuBar();
    }

    // The newest alert (ml/train/alerts.h), in a bar under the menu until dismissed: what was seen, at which step,
    // and the curve segment that shows it. The dock space below gives it the room.
    if (const TrainerStatus* st = m.status.get(); st && !st->alerts.empty() && st->alerts_raised > m_alerts_dismissed)
        draw_alert_bar(*st);

    // The dock space under the menu bar. Its default arrangement needs the run's kind (pix2pix puts Translate
    // where a DCGAN has its latent tools), so it waits for that; a remembered layout that never held this
    // kind's panels gets the default too.
    const ImGuiID dockspace = ImGui::GetID("ganscope dock space");
    const bool kind_known = m_translate.shown(m) || m_explorer.shown(m);
    bool applied = false;  // the windows move into their nodes during this frame; their tabs exist from the next
    if (kind_known) {
        const bool latent = !m_translate.shown(m);
        const ImGuiDockNode* root = ImGui::DockBuilderGetNode(dockspace);
        const bool empty = !root || (root->IsLeafNode() && root->Windows.Size == 0);
        // DockBuilderDockWindow leaves settings for every panel it places, so this is true once per kind.
        const char* probe = latent ? m_explorer.title() : m_translate.title();
        const bool unseen = !ImGui::FindWindowSettingsByID(ImHashStr(probe)) && !ImGui::FindWindowByName(probe);
        // The remembered arrangement was made for the other kind: its nodes were rebuilt for that kind's panels,
        // so this kind's own ones would float or hide in a node beneath (their dock ids are gone).
        const std::string kind = latent ? "latent" : "translate";
        const bool other_kind = !m_layout_kind.empty() && m_layout_kind != kind;
        if (m_reset_layout || empty || unseen || other_kind) {
            apply_default_layout(dockspace, latent);
            applied = true;
        }
        if (m_layout_kind != kind) {
            m_layout_kind = kind;
            ImGui::MarkIniSettingsDirty();
        }
        m_reset_layout = false;
    }
    // Every frame: a layout remembered in imgui.ini from before has its central node too.
    release_central_node(dockspace);
    ImGui::DockSpaceOverViewport(dockspace, ImGui::GetMainViewport());
    m_compare.draw_add_run(m_add_run);
    m_add_run = false;
    m_project.draw_dialog(m_project_image);
    if (m_project_image) m_focus_after_layout.emplace_back(m_project.title()), m_focus_frames = 30;
    m_project_image = false;
    // The Compare panel takes the front of its node when it appears (compare, or a run added), over the Samples tab
    // that the layout brings to the front.
    const bool compare_shown = m_compare.shown(m);
    if (compare_shown && !m_compare_shown && kind_known) {
        m_focus_after_layout.erase(std::remove(m_focus_after_layout.begin(), m_focus_after_layout.end(), "Samples"),
                                   m_focus_after_layout.end());
        m_focus_after_layout.emplace_back(m_compare.title());
        m_focus_frames = 30;
    }
    if (kind_known) m_compare_shown = compare_shown;

    // Tab intents (menu items, tests): that panel to the front of its dock node, once its tab exists (the
    // layout's front tabs first, so an intent of the same frame wins).
    if (kind_known && !applied) {
        static const char* const samples_tabs[] = {"Samples", "Dataset", "History"};
        static const char* const monitor_tabs[] = {"Performance", "Record"};
        if (m.samples_tab >= 0 || m.monitor_tab >= 0) m_focus_frames = 30;
        if (m.samples_tab >= 0 && m.samples_tab < 3) m_focus_after_layout.emplace_back(samples_tabs[m.samples_tab]);
        if (m.monitor_tab >= 0 && m.monitor_tab < 2) m_focus_after_layout.emplace_back(monitor_tabs[m.monitor_tab]);
        m.samples_tab = m.monitor_tab = -1;
    }
    // Each is asked for until its tab is the one in front: a panel that appears a frame later (its run's kind just
    // known) takes the front of its node when it appears. After 30 frames the rest are given up.
    if (!applied && !m_focus_after_layout.empty() && --m_focus_frames <= 0) m_focus_after_layout.clear();
    for (auto it = m_focus_after_layout.begin(); !applied && it != m_focus_after_layout.end();) {
        set_panel_open(it->c_str(), true);
        ImGuiWindow* window = ImGui::FindWindowByName(it->c_str());
        ImGuiTabBar* bar = window && window->DockNode ? window->DockNode->TabBar : nullptr;
        ImGuiTabItem* tab = bar ? ImGui::TabBarFindTabByID(bar, window->TabId) : nullptr;
        if (tab && bar->SelectedTabId != window->TabId) {
            ImGui::TabBarQueueFocus(bar, tab);
            // Docking gives a node's front back to its focused window's tab: a tab of the same node clicked before
            // (and focused again when a popup elsewhere closed) would win. The panel asked for takes the focus.
            ImGuiWindow* nav = ImGui::GetCurrentContext()->NavWindow;
            if (nav && nav->RootWindow && nav->RootWindow != window && nav->RootWindow->DockNode == window->DockNode)
                ImGui::FocusWindow(window);
            ++it;  // looked at again next frame
            continue;
        }
        if (window && !window->DockNode) ImGui::FocusWindow(window);  // floating, or torn out
        else if (!tab) {
            ++it;  // its tab is made this frame
            continue;
        }
        it = m_focus_after_layout.erase(it);
    }

    for (Module* mod : m_modules) {
        if (!mod->shown(m)) continue;  // not this run's feature (the explorer for pix2pix), or not yet known
        const char* title = mod->title();
        if (!panel_open(title)) continue;
        // Until the default layout is placed (the run's kind unknown), panels wait in the dock space's centre.
        if (!kind_known) ImGui::SetNextWindowDockID(dockspace, ImGuiCond_FirstUseEver);
        bool open = true;
        // A recording shows as a dot on the Record tab, so it is seen with another tab in front.
        // No panel takes the front of its node by appearing (ImGui focuses a new window, and a docked focused
        // window is its node's front tab every frame): which tab is in front is the layout's, or the user's.
        const ImGuiWindowFlags flags =
            ImGuiWindowFlags_NoFocusOnAppearing | (mod->busy() ? ImGuiWindowFlags_UnsavedDocument : 0);
        if (ImGui::Begin(title, &open, flags | ImGuiWindowFlags_NoCollapse)) mod->draw(m);
        ImGui::End();
        if (!open) set_panel_open(title, false);
    }
    if (m_show_demo) ImGui::ShowDemoWindow(&m_show_demo);
}

void App::draw_alert_bar(const TrainerStatus& status) {
    const Alert& a = status.alerts.back();
    const float height = ui_em(4.2f);
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.38f, 0.10f, 0.08f, 1));
    if (ImGui::BeginViewportSideBar(
            "##alert", ImGui::GetMainViewport(), ImGuiDir_Up, height,
            ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoTitleBar)) {
        const float right = ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x;  // the bar's inner right edge
        // The evidence: the curve the detector read, its last points.
        if (!a.evidence.empty()) {
            std::vector<double> xs, ys;
            for (const auto& [s, v] : a.evidence) xs.push_back(double(s)), ys.push_back(v);
            if (ImPlot::BeginPlot("##evidence", ImVec2(ui_em(16), height - ImGui::GetStyle().WindowPadding.y * 2),
                                  ImPlotFlags_CanvasOnly | ImPlotFlags_NoInputs)) {
                ImPlot::SetupAxes(nullptr, nullptr, ImPlotAxisFlags_AutoFit | ImPlotAxisFlags_NoTickLabels,
                                  ImPlotAxisFlags_AutoFit | ImPlotAxisFlags_NoTickLabels);
                ImPlot::PlotLine(a.series.c_str(), xs.data(), ys.data(), int(xs.size()));
                ImPlot::EndPlot();
            }
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s from step %lld to %lld", a.series.c_str(), (long long)a.evidence.front().first,
                                  (long long)a.evidence.back().first);
            ImGui::SameLine();
        }
        ImGui::BeginGroup();
        ImGui::TextColored(ImVec4(1, 0.78f, 0.5f, 1), "\xe2\x9a\xa0 %s at step %lld", a.kind.c_str(),
                           (long long)a.step);
        if (status.alerts_raised > 1) {
            ImGui::SameLine();
            ImGui::TextDisabled("(%lld alerts in this run; the run folder's alerts.jsonl keeps them)",
                                (long long)status.alerts_raised);
        }
        ImGui::PushTextWrapPos(right - ui_em(6));
        ImGui::TextUnformatted(a.message.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndGroup();
        ImGui::SameLine(right - ui_em(5));
        if (ImGui::Button("Dismiss", ImVec2(ui_em(5), 0))) m_alerts_dismissed = status.alerts_raised;
    }
    ImGui::End();
    ImGui::PopStyleColor();
}

// The shown/hidden panels and the run kind the dock layout was arranged for, remembered in imgui.ini beside the
// dock layout, as "[ganscope][Panels]" "hidden=A,B" "layout=latent|translate".
void App::register_settings() {
    ImGuiSettingsHandler handler;
    handler.TypeName = "ganscope";
    handler.TypeHash = ImHashStr("ganscope");
    handler.UserData = this;
    handler.ReadOpenFn = [](ImGuiContext*, ImGuiSettingsHandler*, const char* name) -> void* {
        return std::string(name) == "Panels" ? reinterpret_cast<void*>(1) : nullptr;
    };
    handler.ReadLineFn = [](ImGuiContext*, ImGuiSettingsHandler* h, void*, const char* line) {
        const std::string s(line);
        App& app = *static_cast<App*>(h->UserData);
        if (s.rfind("layout=", 0) == 0) app.m_layout_kind = s.substr(7);
        if (s.rfind("hidden=", 0) != 0) return;
        app.m_hidden.clear();
        std::stringstream list(s.substr(7));
        for (std::string title; std::getline(list, title, ',');)
            if (!title.empty()) app.m_hidden.push_back(title);
    };
    handler.WriteAllFn = [](ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
        const App& app = *static_cast<const App*>(h->UserData);
        std::string list;
        for (const std::string& t : app.m_hidden) list += (list.empty() ? "" : ",") + t;
        out->appendf("[ganscope][Panels]\nhidden=%s\nlayout=%s\n\n", list.c_str(), app.m_layout_kind.c_str());
    };
    ImGui::AddSettingsHandler(&handler);
}

}  // namespace ganscope
