// The Compare panel (see compare_panel.h). GL thread only.
#include "viewer/features/compare/compare_panel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include <imgui.h>
#include <misc/cpp/imgui_stdlib.h>

#include "ml/run/run_summary.h"
#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

struct MetricField {
    const char* key;
    double StepMetrics::*field;
    const char* format;
};
// Every number a record may carry, in the order the checkboxes list them.
const MetricField kMetrics[] = {
    {"loss_g", &StepMetrics::loss_g, "%.4g"},
    {"loss_d", &StepMetrics::loss_d, "%.4g"},
    {"d_real", &StepMetrics::d_real, "%.3f"},
    {"d_fake", &StepMetrics::d_fake, "%.3f"},
    {"loss_gan", &StepMetrics::loss_gan, "%.4g"},
    {"loss_aux", &StepMetrics::loss_aux, "%.4g"},
    {"swd", &StepMetrics::swd, "%.2f"},
    {"fid", &StepMetrics::fid, "%.2f"},
    {"kid", &StepMetrics::kid, "%.4f"},
    {"val_l1", &StepMetrics::val_l1, "%.4f"},
    {"diversity", &StepMetrics::diversity, "%.3f"},
    {"copying", &StepMetrics::copying, "%.3f"},
    {"images_per_sec", &StepMetrics::images_per_sec, "%.1f"},
};

int64_t global_batch(const CompareRun& r) {
    return r.config ? int64_t(r.config->batch_size) * std::max(1, r.config->world_size) : 0;
}

double x_of(const CompareRun& r, const StepMetrics& m, CompareAxis axis) {
    switch (axis) {
        case CompareAxis::Step: return double(m.step);
        case CompareAxis::Images: return double(m.step) * double(global_batch(r));
        case CompareAxis::Seconds: return m.seconds;
    }
    return double(m.step);
}

std::string ago(int64_t when) {
    if (when <= 0) return "-";
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const int64_t s = std::max<int64_t>(0, now - when);
    char buf[32];
    if (s < 120)
        std::snprintf(buf, sizeof buf, "%llds ago", (long long)s);
    else if (s < 7200)
        std::snprintf(buf, sizeof buf, "%lld min ago", (long long)(s / 60));
    else
        std::snprintf(buf, sizeof buf, "%lld h ago", (long long)(s / 3600));
    return buf;
}

ImVec4 state_color(const std::string& state) {
    if (state == "running") return ImVec4(0.5f, 0.85f, 0.5f, 1);
    if (state == "finished" || state == "paused" || state == "starting") return ImVec4(0.75f, 0.75f, 0.75f, 1);
    return ImVec4(1.0f, 0.6f, 0.4f, 1);  // stopped, gone, failed, error
}

void swatch(uint32_t color) {
    const float size = ImGui::GetFontSize() * 0.8f;
    ImGui::ColorButton("##colour", ImGui::ColorConvertU32ToFloat4(color),
                       ImGuiColorEditFlags_NoTooltip | ImGuiColorEditFlags_NoDragDrop, ImVec2(size, size));
}

// A run's image in a column and where it was drawn (framebuffer pixels: the headless window reports it; w = h = 0
// when there is none).
struct ColumnImage {
    const ImageRef* image;  // null: nothing to show (yet)
    float &x, &y, &w, &h;
};

// The visible runs in columns of one width, placed by position (a long name or state wraps inside its column,
// never pushes the next): first every header (the run's swatch and name, then `header`'s lines), then every image
// from the lowest header's bottom, so the images line up, each framed in its run's colour.
void run_columns(std::vector<CompareRun>& runs, const std::function<void(const CompareRun&)>& header,
                 const std::function<ColumnImage(CompareRun&)>& image_of_run) {
    std::vector<CompareRun*> shown;
    for (CompareRun& r : runs)
        if (r.visible) shown.push_back(&r);
    if (shown.empty()) {
        ImGui::TextDisabled("every run is hidden: click a name above to show it");
        return;
    }
    const float gap = ui_em(0.75f);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float column = std::max(ui_em(4), (avail.x - gap * float(shown.size() - 1)) / float(shown.size()));
    const ImVec2 origin = ImGui::GetMainViewport()->Pos;
    const float fb_scale = ImGui::GetIO().DisplayFramebufferScale.x;
    const ImVec2 top = ImGui::GetCursorPos();
    float images_y = top.y;
    for (size_t i = 0; i < shown.size(); ++i) {
        const CompareRun& r = *shown[i];
        ImGui::PushID(int(i));
        const float x = top.x + float(i) * (column + gap);
        ImGui::SetCursorPos(ImVec2(x, top.y));
        ImGui::BeginGroup();
        ImGui::PushTextWrapPos(x + column);
        swatch(r.color);
        ImGui::SameLine(0, ui_em(0.25f));
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.color), "%s", r.label.c_str());
        header(r);
        ImGui::PopTextWrapPos();
        ImGui::EndGroup();
        images_y = std::max(images_y, ImGui::GetCursorPosY());
        ImGui::PopID();
    }
    const float image_h = std::max(ui_em(3), top.y + avail.y - images_y - ui_em(0.5f));
    float bottom = images_y;
    for (size_t i = 0; i < shown.size(); ++i) {
        CompareRun& r = *shown[i];
        ColumnImage at = image_of_run(r);
        ImGui::SetCursorPos(ImVec2(top.x + float(i) * (column + gap) + 2, images_y + 2));  // room for the frame
        if (!at.image || !at.image->ready()) {
            at.w = at.h = 0;
            continue;
        }
        const ImageRef& image = *at.image;
        float scale = std::min((column - 4) / float(image.width), (image_h - 4) / float(image.height));
        if (scale >= 1) scale = std::floor(scale);  // whole pixels when magnified
        const ImVec2 size(float(image.width) * scale, float(image.height) * scale);
        ui_image(ImTextureID(image.texture), size);
        const ImVec2 p0 = ImGui::GetItemRectMin(), p1 = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddRect(ImVec2(p0.x - 2, p0.y - 2), ImVec2(p1.x + 2, p1.y + 2), ImU32(r.color),
                                            0.0f, 2.0f);
        at.x = (p0.x - origin.x) * fb_scale;
        at.y = (p0.y - origin.y) * fb_scale;
        at.w = size.x * fb_scale;
        at.h = size.y * fb_scale;
        bottom = std::max(bottom, ImGui::GetCursorPosY());
    }
    ImGui::SetCursorPosY(bottom);
    ImGui::Dummy(ImVec2(0, 0));  // an item where the cursor was moved: the window's extent follows it
}

}  // namespace

std::string shared_latents_note(const std::vector<CompareRun>& runs) {
    const TrainConfig* first = nullptr;
    std::string first_label;
    int with_latents = 0;
    for (const CompareRun& r : runs) {
        if (!r.visible || !r.config || !r.config->has_latent_space()) continue;
        ++with_latents;
        if (!first) {
            first = &*r.config;
            first_label = r.label;
            continue;
        }
        const TrainConfig& c = *r.config;
        if (c.seed != first->seed || c.latent_dim != first->latent_dim || c.grid_count != first->grid_count)
            return "not the same latents: " + first_label + " has seed " + std::to_string(first->seed) +
                   ", latent size " + std::to_string(first->latent_dim) + ", " + r.label + " seed " +
                   std::to_string(c.seed) + ", latent size " + std::to_string(c.latent_dim) +
                   ": the same cell is a different latent in each run";
    }
    if (with_latents < 2) return "";
    return "the same fixed latents (seed " + std::to_string(first->seed) + ", latent size " +
           std::to_string(first->latent_dim) +
           "): the same cell is the same latent in every run, so a difference "
           "is the training's, not the noise's";
}

void ComparePanel::draw(RunView&, CompareModel& m) {
    // Where grids and images are drawn is set again by the tab in front; the others' are none this frame.
    for (CompareRun& r : m.runs) r.grid_w = r.grid_h = r.latent_w = r.latent_h = 0;
    draw_legend(m);
    if (!m.message.empty()) ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.4f, 1), "%s", m.message.c_str());
    if (!ImGui::BeginTabBar("compare tabs")) return;
    // In this order on screen; `tab` intents keep their numbers (0 samples, 1 curves, 2 runs, 3 latent).
    const int order[] = {0, 3, 1, 2};
    const char* const tabs[] = {"Samples", "Curves", "Runs", "Latent"};
    bool latent_open = false;
    for (int t : order) {
        const ImGuiTabItemFlags flags = m.tab == t ? ImGuiTabItemFlags_SetSelected : 0;
        if (!ImGui::BeginTabItem(tabs[t], nullptr, flags)) continue;
        if (m.tab == t) m.tab = -1;  // in front now
        if (t == 0)
            draw_samples(m);
        else if (t == 1)
            draw_curves(m);
        else if (t == 2)
            draw_runs(m);
        else {
            draw_latent(m);
            latent_open = true;
        }
        ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    m.latent_tab_open = latent_open;
}

void ComparePanel::draw_legend(CompareModel& m) {
    for (size_t i = 0; i < m.runs.size(); ++i) {
        CompareRun& r = m.runs[i];
        ImGui::PushID(int(i));
        if (i > 0) ImGui::SameLine(0, ui_em(1));
        swatch(r.color);
        ImGui::SameLine(0, ui_em(0.25f));
        ImGui::PushStyleColor(ImGuiCol_Text, r.visible ? ImGui::ColorConvertU32ToFloat4(r.color)
                                                       : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        if (ImGui::Selectable(r.label.c_str(), false, 0, ImGui::CalcTextSize(r.label.c_str()))) {
            r.visible = !r.visible;
            m.changed = true;
        }
        ImGui::PopStyleColor();
        ImGui::SetItemTooltip("%s (%s%s): %s; click to %s it everywhere", r.what.c_str(), r.kind.c_str(),
                              r.primary ? ", this window's run" : "", r.state.c_str(), r.visible ? "hide" : "show");
        ImGui::PopID();
    }
}

void ComparePanel::draw_samples(CompareModel& m) {
    // The shared slider's range: every step a visible run keeps.
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const CompareRun& r : m.runs)
        if (r.visible && !r.kept_steps.empty()) {
            lo = std::min(lo, r.kept_steps.front());
            hi = std::max(hi, r.kept_steps.back());
        }
    const bool any = lo <= hi;
    if (ImGui::RadioButton("newest", !m.pinned)) m.pinned = false;
    ImGui::SetItemTooltip("each run shows its newest grid");
    ImGui::SameLine();
    if (ImGui::RadioButton("at step", m.pinned) && any) m.pinned = true;
    ImGui::SetItemTooltip("every run shows its kept grid nearest this step");
    ImGui::SameLine();
    if (any) {
        if (!m.pinned) m.pin_step = hi;
        m.pin_step = std::clamp(m.pin_step, lo, hi);
        ImGui::SetNextItemWidth(-1);
        if (ImGui::SliderScalar("##step", ImGuiDataType_S64, &m.pin_step, &lo, &hi, "step %lld")) m.pinned = true;
    } else {
        ImGui::TextDisabled("no kept grids yet");
    }
    if (const std::string note = shared_latents_note(m.runs); !note.empty()) {
        ImGui::PushTextWrapPos(0);
        if (note.rfind("not", 0) == 0)
            ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.4f, 1), "%s", note.c_str());
        else
            ImGui::TextDisabled("%s", note.c_str());
        ImGui::PopTextWrapPos();
    }

    run_columns(
        m.runs,
        [&](const CompareRun& r) {
            if (r.shown_step >= 0) {
                if (m.pinned)
                    ImGui::Text("step %lld (kept nearest %lld)", (long long)r.shown_step, (long long)m.pin_step);
                else
                    ImGui::Text("step %lld (newest)", (long long)r.shown_step);
            } else {
                ImGui::TextDisabled("no grid yet");
            }
            ImGui::TextColored(state_color(r.state), "%s", r.state.c_str());
        },
        [](CompareRun& r) {
            return ColumnImage{&r.grid, r.grid_x, r.grid_y, r.grid_w, r.grid_h};
        });
}

void ComparePanel::draw_latent(CompareModel& m) {
    if (ImGui::RadioButton("explorer's latent", !m.latent_frame)) m.latent_frame = false;
    ImGui::SetItemTooltip("the Latent explorer's current latent, through every run's generator");
    ImGui::SameLine();
    if (ImGui::RadioButton("interpolation frame", m.latent_frame)) m.latent_frame = true;
    ImGui::SetItemTooltip(
        "the Interpolation's current frame (A to B, as its loop plays), through every run's generator");
    ImGui::PushTextWrapPos(0);
    if (m.latent_what.empty()) {
        ImGui::TextDisabled("%s", m.latent_none.c_str());
        ImGui::PopTextWrapPos();
        return;
    }
    ImGui::TextDisabled("%s through each run's generator%s%s", m.latent_what.c_str(),
                        m.latent_ms > 0 ? (", " + std::to_string(int(std::lround(m.latent_ms))) + " ms").c_str() : "",
                        m.latent_current ? "" : " (rendering...)");
    ImGui::PopTextWrapPos();

    run_columns(
        m.runs,
        [](const CompareRun& r) {
            if (!r.latent_note.empty())
                ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.4f, 1), "%s", r.latent_note.c_str());
            else if (r.latent_image.ready())
                ImGui::Text("weights of step %lld", (long long)r.latent_step);
            else
                ImGui::TextDisabled("rendering...");
        },
        [](CompareRun& r) {
            return ColumnImage{r.latent_note.empty() ? &r.latent_image : nullptr, r.latent_x, r.latent_y, r.latent_w,
                               r.latent_h};
        });
}

void ComparePanel::draw_curves(CompareModel& m) {
    static const char* const axes[] = {"step", "images seen", "seconds since start"};
    int axis = int(m.axis);
    ImGui::SetNextItemWidth(ui_em(11.5f));
    if (ImGui::Combo("x axis", &axis, axes, 3)) {
        m.axis = CompareAxis(axis);
        m_link.follow = true;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ui_em(8));
    ImGui::SliderFloat("smoothing", &m.smoothing, 0.0f, 0.99f, "%.2f");
    ImGui::SameLine();
    ImGui::Checkbox("follow", &m_link.follow);
    // The metrics some visible run has: a checkbox each.
    std::vector<const MetricField*> present;
    for (const MetricField& f : kMetrics) {
        bool has = false;
        for (const CompareRun& r : m.runs)
            for (const StepMetrics& s : r.metrics.records())
                if (std::isfinite(s.*f.field)) {
                    has = true;
                    break;
                }
        if (has) present.push_back(&f);
    }
    // One row while they fit, then the next.
    const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
    const ImGuiStyle& style_now = ImGui::GetStyle();
    for (size_t i = 0; i < present.size(); ++i) {
        const float width =
            ImGui::GetFrameHeight() + style_now.ItemInnerSpacing.x + ImGui::CalcTextSize(present[i]->key).x;
        if (i > 0 && ImGui::GetItemRectMax().x + style_now.ItemSpacing.x + width <= right) ImGui::SameLine();
        bool on = m_metrics.count(present[i]->key) > 0;
        if (ImGui::Checkbox(present[i]->key, &on)) {
            if (on)
                m_metrics.insert(present[i]->key);
            else
                m_metrics.erase(present[i]->key);
        }
    }
    std::vector<const MetricField*> plotted;
    for (const MetricField* f : present)
        if (m_metrics.count(f->key)) plotted.push_back(f);
    if (plotted.empty()) {
        ImGui::TextDisabled(present.empty() ? "no metrics yet" : "no metric chosen");
        return;
    }
    // The series: a run's colour and name in every plot; the x axis as chosen, for all runs alike.
    double x_lo = INFINITY, x_hi = -INFINITY;
    std::vector<std::vector<PlotSeries>> per_plot(plotted.size());
    for (const CompareRun& r : m.runs) {
        if (!r.visible) continue;
        for (size_t p = 0; p < plotted.size(); ++p) {
            PlotSeries s{r.label, {}, {}, r.color};
            for (const StepMetrics& rec : r.metrics.records()) {
                const double y = rec.*plotted[p]->field;
                if (!std::isfinite(y)) continue;
                const double x = x_of(r, rec, m.axis);
                if (!s.x.empty() && x < s.x.back()) continue;  // a resumed run's clock restarts: keep x ascending
                s.x.push_back(x);
                s.y.push_back(y);
            }
            if (s.x.empty()) continue;
            x_lo = std::min(x_lo, s.x.front());
            x_hi = std::max(x_hi, s.x.back());
            per_plot[p].push_back(std::move(s));
        }
    }
    if (x_lo <= x_hi) m_link.fit(x_lo, x_hi);
    PlotStyle style;
    style.link = &m_link;
    style.smoothing = m.smoothing;
    style.x_label = axes[int(m.axis)];
    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    const float each = (ImGui::GetContentRegionAvail().y - spacing * float(plotted.size())) / float(plotted.size());
    style.height = std::max(ui_em(9), each);  // readable axes; more plots than fit scroll
    for (size_t p = 0; p < plotted.size(); ++p) {
        style.value_format = plotted[p]->format;
        draw_plot(plotted[p]->key, per_plot[p], style);
    }
}

void ComparePanel::draw_runs(CompareModel& m) {
    const ImGuiTableFlags flags =
        ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollX;
    // As tall as its rows: the config diff goes under it.
    const float rows_height = ImGui::GetFrameHeightWithSpacing() * float(m.runs.size() + 1) + ui_em(1);
    if (ImGui::BeginTable("runs", 10, flags, ImVec2(0, rows_height))) {
        for (const char* h :
             {"run", "kind", "model", "step", "images seen", "images/s", "swd", "last update", "state", ""})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < m.runs.size(); ++i) {
            CompareRun& r = m.runs[i];
            ImGui::PushID(int(i));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            swatch(r.color);
            ImGui::SameLine();
            ImGui::SetNextItemWidth(ui_em(7));
            ImGui::InputText("##label", &r.label);
            if (ImGui::IsItemDeactivatedAfterEdit()) {
                if (r.label.empty()) r.label = r.what;  // a name is needed: the legend tells runs apart by it
                m.changed = true;
            }
            ImGui::SetItemTooltip("%s: its name in the legend (edit to rename)", r.what.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.steered ? (r.kind + ", steered here").c_str() : r.kind.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.config ? r.config->model.c_str() : "?");
            const StepMetrics* last = r.metrics.records().empty() ? nullptr : &r.metrics.records().back();
            ImGui::TableNextColumn();
            if (last) ImGui::Text("%lld", (long long)last->step);
            ImGui::TableNextColumn();
            if (last && global_batch(r) > 0) ImGui::Text("%lld", (long long)(last->step * global_batch(r)));
            ImGui::TableNextColumn();
            if (last && std::isfinite(last->images_per_sec)) ImGui::Text("%.1f", last->images_per_sec);
            ImGui::TableNextColumn();
            for (auto it = r.metrics.records().rbegin(); it != r.metrics.records().rend(); ++it)
                if (std::isfinite(it->swd)) {
                    ImGui::Text("%.2f", it->swd);
                    break;
                }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(ago(r.last_update).c_str());
            ImGui::TableNextColumn();
            ImGui::TextColored(state_color(r.state), "%s", r.state.c_str());
            ImGui::TableNextColumn();
            if (ImGui::SmallButton(r.visible ? "hide" : "show")) {
                r.visible = !r.visible;
                m.changed = true;
            }
            if (!r.primary) {
                ImGui::SameLine();
                if (ImGui::SmallButton("remove")) m.remove = int(i);
            }
            ImGui::PopID();
        }
        ImGui::EndTable();
    }

    // The config diff: keys as rows, runs as columns.
    std::vector<const CompareRun*> known;
    std::vector<nlohmann::json> configs;
    for (const CompareRun& r : m.runs)
        if (r.config) {
            known.push_back(&r);
            configs.push_back(r.config->to_json());
        }
    ImGui::Spacing();
    ImGui::Checkbox("all keys", &m.all_keys);
    ImGui::SameLine();
    if (known.size() < 2) {
        ImGui::TextDisabled("the config diff needs two runs whose config is known");
        return;
    }
    const std::vector<ConfigDiffRow> rows = config_diff(configs, m.all_keys);
    ImGui::TextDisabled(m.all_keys ? "every config key (differences in colour)" : "config keys whose values differ");
    if (rows.empty()) {
        ImGui::TextDisabled("the configs are the same");
        return;
    }
    if (ImGui::BeginTable("config diff", int(known.size()) + 1, flags | ImGuiTableFlags_ScrollY)) {
        ImGui::TableSetupScrollFreeze(1, 1);
        ImGui::TableSetupColumn("key");
        for (const CompareRun* r : known) ImGui::TableSetupColumn(r->label.c_str());
        ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
        ImGui::TableNextColumn();
        ImGui::TableHeader("key");
        for (const CompareRun* r : known) {
            ImGui::TableNextColumn();
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(r->color));
            ImGui::TableHeader(r->label.c_str());
            ImGui::PopStyleColor();
        }
        for (const ConfigDiffRow& row : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (row.differs)
                ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.45f, 1), "%s", row.key.c_str());
            else
                ImGui::TextUnformatted(row.key.c_str());
            for (const std::string& v : row.values) {
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(v.empty() ? "(none)" : v.c_str());
            }
        }
        ImGui::EndTable();
    }
}

void ComparePanel::draw_add_run(bool open, CompareModel& m) {
    if (open) ImGui::OpenPopup("Add run");
    if (!ImGui::BeginPopupModal("Add run", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    ImGui::TextUnformatted("A run folder (runs/NAME), a checkpoint (.pt) or a served run (http://HOST:PORT)");
    ImGui::SetNextItemWidth(ui_em(28));
    if (open) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("run", &m_add_what, ImGuiInputTextFlags_EnterReturnsTrue);
    if (m_add_what.rfind("http://", 0) == 0) {
        ImGui::SetNextItemWidth(ui_em(28));
        ImGui::InputText("token", &m_add_token, ImGuiInputTextFlags_Password);
    }
    const std::string problem = m_add_what.empty() ? "" : run_path_problem(m_add_what);
    if (!problem.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ui_em(32));
        ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.4f, 1), "%s", problem.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::BeginDisabled(m_add_what.empty() || !problem.empty());
    if (ImGui::Button("Add") || (enter && problem.empty() && !m_add_what.empty())) {
        m.add.push_back({m_add_what, m_add_token});
        m_add_what.clear();
        m_add_token.clear();
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGuiKey_Escape)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace ganscope
