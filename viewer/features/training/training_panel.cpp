// The Training panel (see training_panel.h). GL thread only.
#include "viewer/features/training/training_panel.h"

#include <cmath>
#include <cstdio>
#include <string>

#include <imgui.h>

#include "viewer/widgets/ui_style.h"

namespace ganscope {
namespace {

std::string duration_text(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return "--";
    long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh %02ldm", s / 3600, (s / 60) % 60);
    else std::snprintf(buf, sizeof buf, "%ldm %02lds", s / 60, s % 60);
    return buf;
}

ImVec4 state_color(TrainerState state) {
    switch (state) {
        case TrainerState::Running: return ImVec4(0.35f, 0.80f, 0.45f, 1);
        case TrainerState::Paused: return ImVec4(0.95f, 0.75f, 0.30f, 1);
        case TrainerState::Failed: return ImVec4(0.95f, 0.35f, 0.35f, 1);
        case TrainerState::Finished: return ImVec4(0.45f, 0.65f, 0.95f, 1);
        default: return ImVec4(0.6f, 0.6f, 0.6f, 1);
    }
}

}  // namespace

void TrainingPanel::draw(const RunView& model, TrainingIntents& intents) {
    if (!model.run.commands && !model.run.live) {
        ImGui::TextWrapped("Exploring %s", model.source.c_str());
        ImGui::PushTextWrapPos(0);
        if (model.config && model.config->image_to_image())
            ImGui::TextDisabled("training is off (--open): the Translate panel uses this checkpoint's generator, "
                                "the grid shows its validation input | output | target; the curves show the run's "
                                "metrics.jsonl when it is beside the checkpoint");
        else
            ImGui::TextDisabled("training is off (--open): the explorer and interpolation use this checkpoint's "
                                "generator; the curves show the run's metrics.jsonl when it is beside the checkpoint");
        ImGui::PopTextWrapPos();
        return;
    }
    const TrainerStatus* s = model.status.get();
    if (!s) {
        ImGui::TextDisabled("starting the trainer...");
        return;
    }
    if (!m_synced && s->batch_size > 0) {
        m_lr_g = float(s->lr_g);
        m_lr_d = float(s->lr_d);
        m_batch = s->batch_size;
        m_synced = true;
    }
    ImGui::TextColored(state_color(s->state), "\xe2\x97\x8f %s", to_string(s->state));  // ● state
    ImGui::SameLine();
    ImGui::TextDisabled("%s  %s %dx%d", s->device.c_str(), s->config.model.c_str(), s->config.image_size,
                        s->config.image_size);

    const bool running = s->state == TrainerState::Running;
    // A followed run is steered where it trains: its controls are shown, disabled.
    const bool alive = model.run.commands && s->state != TrainerState::Finished && s->state != TrainerState::Failed;
    if (!model.run.commands) ImGui::TextDisabled("read-only: trained by another process");
    ImGui::BeginDisabled(!alive);
    if (running) {
        if (ImGui::Button("Pause", ImVec2(ui_em(5), 0))) intents.add({RunCommand::Kind::Pause});
    } else if (ImGui::Button(s->step > 0 ? "Resume" : "Start", ImVec2(ui_em(5), 0))) {
        intents.add({RunCommand::Kind::Start});
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(running);
    if (ImGui::Button("Step")) intents.add({RunCommand::Kind::Step, m_step_count});
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ui_em(3.5f));
    ImGui::InputInt("##steps", &m_step_count, 0);
    if (m_step_count < 1) m_step_count = 1;
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!model.run.writes_run);
    if (ImGui::Button("Save")) intents.add({RunCommand::Kind::Save});
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("write a checkpoint now (S)");
    ImGui::EndDisabled();

    // Progress.
    ImGui::Separator();
    float fraction = s->total_steps > 0 ? float(double(s->step) / double(s->total_steps)) : 0.0f;
    char overlay[64];
    if (s->total_steps > 0) std::snprintf(overlay, sizeof overlay, "%lld / %lld", (long long)s->step, (long long)s->total_steps);
    else std::snprintf(overlay, sizeof overlay, "step %lld (open-ended)", (long long)s->step);
    ImGui::ProgressBar(s->total_steps > 0 ? fraction : 0.0f, ImVec2(-1, 0), overlay);
    if (ImGui::BeginTable("progress", 2)) {
        ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ui_em(6.5f));
        ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
        auto row = [](const char* k, const std::string& v) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", k);
            ImGui::TableNextColumn();
            ImGui::PushTextWrapPos(0);
            ImGui::TextUnformatted(v.c_str());
            ImGui::PopTextWrapPos();
        };
        char buf[96];
        if (s->batches_per_epoch > 0)
            std::snprintf(buf, sizeof buf, "%lld  (%lld batches each)", (long long)s->epoch, (long long)s->batches_per_epoch);
        else
            std::snprintf(buf, sizeof buf, "%lld", (long long)s->epoch);
        row("epoch", buf);
        std::snprintf(buf, sizeof buf, "%.1f img/s  (%.1f ms/step)", s->last.images_per_sec, s->step_ms);
        row("speed", buf);
        row("ETA", s->total_steps > 0 ? duration_text(s->eta_seconds) : "open-ended");
        row("data", s->data_description.empty() ? std::string("-") : s->data_description);
        row("loss", describe_losses(s->last));
        // The rate the schedule gives the next step (the inputs below set the base rates).
        std::snprintf(buf, sizeof buf, "G %.2e   D %.2e  (%s)", s->lr_g_now, s->lr_d_now, s->config.lr_schedule.c_str());
        row("learning rate", buf);
        ImGui::EndTable();
    }

    // Hyper-parameters: edited here, applied at the trainer's next step. A followed run has no inputs at all
    // (greyed-out ones looked like they worked): its rates are in the table above, set where it trains.
    ImGui::Separator();
    if (!model.run.commands) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextDisabled(
            "learning rates and batch size are set where the run trains (a served run: watch it "
            "with --token to steer it from here)");
        ImGui::PopTextWrapPos();
    } else {
        ImGui::BeginDisabled(!alive);
        ImGui::SetNextItemWidth(ui_em(7));
        ImGui::InputFloat("lr G", &m_lr_g, 0, 0, "%.2e");
        ImGui::SetNextItemWidth(ui_em(7));
        ImGui::InputFloat("lr D", &m_lr_d, 0, 0, "%.2e");
        bool lr_changed = std::abs(m_lr_g - float(s->lr_g)) > 1e-12f || std::abs(m_lr_d - float(s->lr_d)) > 1e-12f;
        ImGui::SameLine();
        const RunCommand lr_command{RunCommand::Kind::LearningRates, 0, double(m_lr_g), double(m_lr_d)};
        const std::string lr_problem = command_problem(lr_command);
        ImGui::BeginDisabled(!lr_changed || !lr_problem.empty());
        if (ImGui::Button("Apply##lr")) intents.add(lr_command);
        ImGui::EndDisabled();
        if (lr_changed && !lr_problem.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.6f, 0.6f, 1));
            ImGui::TextWrapped("%s", lr_problem.c_str());
            ImGui::PopStyleColor();
        }
        ImGui::SetNextItemWidth(ui_em(7));
        ImGui::InputInt("batch", &m_batch, 8, 32);
        if (m_batch < 1) m_batch = 1;
        ImGui::SameLine();
        ImGui::BeginDisabled(m_batch == s->batch_size);
        if (ImGui::Button("Apply##batch")) intents.add({RunCommand::Kind::BatchSize, 0, 0, 0, m_batch});
        ImGui::EndDisabled();
        ImGui::EndDisabled();
    }

    if (!s->message.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextDisabled("%s", s->message.c_str());
        ImGui::PopTextWrapPos();
    }
    if (!s->error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.35f, 0.08f, 0.08f, 1));
        ImGui::BeginChild("error", ImVec2(0, ui_em(4.5f)), true);
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(1, 0.6f, 0.6f, 1), "%s%s", model.run.commands ? "training paused: " : "",
                           s->error.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndChild();
        ImGui::PopStyleColor();
        if (model.run.commands && ImGui::Button("Revert to last checkpoint")) intents.add({RunCommand::Kind::Revert});
    }
}

}  // namespace ganscope
