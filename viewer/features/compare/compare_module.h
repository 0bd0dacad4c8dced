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
#include "viewer/features/compare/grid_read_worker.h"
#include "viewer/features/compare/latent_runs_worker.h"
#include "viewer/features/latent/latent_models.h"
#include "viewer/features/module.h"
#include "viewer/widgets/tensor_texture.h"

namespace ganscope {

class CompareModule : public Module {
public:
    // `explorer`, `interpolation`: the window's latent-space modules' models, whose latent the Latent tab renders
    // through every run (null: the tab has no latent to show).
    explicit CompareModule(const ExplorerModel* explorer = nullptr, const InterpolationModel* interpolation = nullptr);
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
    // Headless tests: the Latent tab shows the current latent through every run that can render it.
    bool latents_ready() const;
    // GL-thread time taking in each grid a compared run published (ms, one a publish, oldest first): that run's
    // status, metrics, kept-grid listing and grid upload in the frame the grid arrived (bench viewer --runs).
    const std::vector<double>& publish_ms() const { return m_publish_ms; }
    // The texture holding run `index`'s image of the latent (tests read it back).
    const TensorTexture& latent_texture(size_t index) const;
    CompareModel& model() { return m_model; }
    const CompareModel& model() const { return m_model; }

private:
    struct Live;  // a run's source, texture and counters
    void update_run(size_t index, RunSource& source, Live& live, double now);
    void show_grid(CompareRun& run, Live& live);
    void take_reads();  // kept grids read from their PNG since the last frame
    void update_latent();
    bool request_latent();           // only while the Latent tab is in front
    torch::Tensor current_latent();  // the latent the Latent tab renders (sets latent_what/latent_none)
    void save_state() const;

    CompareModel m_model;
    std::vector<std::unique_ptr<Live>> m_live;  // parallel to m_model.runs; [0] is the window's own run
    uint64_t m_next_key = 0;                    // each Live's key for the latent worker
    std::vector<double> m_publish_ms;
    std::string m_state_path;
    const ExplorerModel* m_explorer;
    const InterpolationModel* m_interpolation;
    std::unique_ptr<GridReadWorker> m_grid_reader;  // made when the slider first needs a PNG read
    // The Latent tab's worker (made when first needed), what it was last asked, and what it last answered.
    std::unique_ptr<LatentRunsWorker> m_latent_worker;
    torch::Tensor m_sent_latent;
    std::vector<const WeightsSnapshot*> m_sent_weights;
    uint64_t m_sent_request = 0, m_seen_latent = 0, m_shown_request = 0;
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
