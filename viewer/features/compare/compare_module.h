// Compare: runs besides the window's own, each a run source of its own (a followed folder, a checkpoint, a served
// run), with their metrics, grids and status side by side with the window's run; and the panel that overlays their
// curves, shows their grids at one step and tables their status and config differences. GL thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "viewer/features/compare/compare_model.h"
#include "viewer/features/compare/compare_panel.h"
#include "viewer/features/module.h"
#include "viewer/widgets/tensor_texture.h"

namespace ganscope {

class CompareModule : public Module {
public:
    CompareModule();
    ~CompareModule() override;
    const char* title() const override { return "Compare"; }
    // Shown once the window holds more than its own run.
    bool shown(const RunView&) const override { return m_model.runs.size() > 1; }
    void update(RunView& view, RunSource& run) override;
    void draw(RunView& view) override { m_panel.draw(view, m_model); }
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override;
    // File > Add run's dialog, drawn by the window every frame (`open`: opened this frame).
    void draw_add_run(bool open) { m_panel.draw_add_run(open, m_model); }

    // Opens a run beside the window's own: a run folder, a checkpoint or http://HOST:PORT (token: to steer it from
    // its own window; here it is followed). Returns "" when opened, else one line saying why not (nothing changes).
    std::string add(const std::string& what, const std::string& token = "", const std::string& label = "",
                    uint32_t color = 0, bool visible = true);
    // Where the set of open runs is kept (beside imgui.ini); empty: not kept. Read by `ganscope compare` with no
    // runs; written whenever the set, a name, a colour or visibility changes.
    void set_state_path(const std::string& path) { m_state_path = path; }
    // Headless tests: every run has shown a grid (or cannot show one: failed, gone, no samples).
    bool grids_ready() const;
    CompareModel& model() { return m_model; }
    const CompareModel& model() const { return m_model; }

private:
    struct Live;  // a run's source, texture and counters
    void update_run(size_t index, RunSource& source, Live& live, double now);
    void show_grid(CompareRun& run, Live& live);
    void save_state() const;

    CompareModel m_model;
    std::vector<std::unique_ptr<Live>> m_live;  // parallel to m_model.runs; [0] is the window's own run
    std::string m_state_path;
    ComparePanel m_panel;
};

// The set of runs a Compare window had open (compare.json beside imgui.ini): what each was opened from, its label,
// colour and visibility, the first being the window's own. Empty when there is none or it cannot be read.
struct SavedCompareRun {
    std::string what, label;
    std::string token;  // a served run's, from the command line; never saved
    uint32_t color = 0;
    bool visible = true;
};
std::vector<SavedCompareRun> read_compare_state(const std::string& path);
// compare.json beside the layout file (default_ini_path's folder); empty when there is no such folder.
std::string compare_state_path(const std::string& ini_path);

}  // namespace ganscope
