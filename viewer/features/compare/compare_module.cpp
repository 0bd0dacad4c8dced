// The runs of a comparison, their grids into textures, and the kept set (see compare_module.h). GL thread.
#include "viewer/features/compare/compare_module.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "ml/models/latent.h"
#include "ml/run/run_folder.h"
#include "ml/run/run_summary.h"
#include "viewer/sources/run_files.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;

// Eight colours told apart on the dark theme (and by most colour-blind eyes: Okabe-Ito's, brightened).
constexpr uint32_t kPalette[] = {
    0xFF3CA0F0u,  // orange   (ImU32 is ABGR)
    0xFFE8B456u,  // sky blue
    0xFF73C800u,  // green
    0xFF42E4F0u,  // yellow
    0xFFB27200u,  // blue
    0xFF005ED5u,  // vermilion
    0xFFA779CCu,  // purple
    0xFFC0C0C0u,  // grey
};

uint32_t next_color(const std::vector<CompareRun>& runs) {
    for (uint32_t c : kPalette)
        if (std::none_of(runs.begin(), runs.end(), [&](const CompareRun& r) { return r.color == c; })) return c;
    return kPalette[runs.size() % 8];
}

// A run's name in the legend until renamed: the folder's name, a checkpoint with its folder, a served run's address.
std::string short_label(const std::string& what) {
    if (what.rfind("http://", 0) == 0) return what.substr(7);
    fs::path p = fs::path(what).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && !p.parent_path().filename().empty())
        return (p.parent_path().filename() / p.filename()).string();
    return p.filename().empty() ? what : p.filename().string();
}

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string state_of(const TrainerStatus& s, bool disconnected) {
    // A served run whose server went away keeps its last status; its source says it is disconnected.
    if (disconnected && s.state != TrainerState::Failed) return "disconnected";
    switch (s.state) {
        case TrainerState::Starting: return s.error.empty() ? "starting" : "error: " + s.error;
        case TrainerState::Running: return s.error.empty() ? "running" : "error: " + s.error;
        case TrainerState::Paused: return "paused";
        case TrainerState::Finished: return "finished";
        case TrainerState::Failed: return "failed: " + s.error;
    }
    return "";
}

// A kept grid from its PNG, with the fixed latents behind its cells (the grid reader's thread).
SampleGrid read_kept_grid(const GridRead& read) {
    const TrainConfig& c = read.config;
    const int64_t count = c.has_latent_space() ? c.grid_count : 0;
    const torch::Tensor cells = cells_of_grid_png(read.path, c.image_size, 2, count);
    const torch::Tensor latents =
        c.has_latent_space() ? make_fixed_latents(c.grid_count, c.latent_dim, c.seed) : torch::Tensor();
    return display_grid(cells, c, read.step, latents);
}

}  // namespace

// What the module holds of a run beside its model: the source (null for the window's own), the grid texture, the
// grids read back from the run's files or kept from its publishes, and what it has seen.
struct CompareModule::Live {
    std::unique_ptr<RunSource> source;
    TensorTexture texture;
    uint64_t seen_status = 0, seen_grid = 0;
    int64_t logged_step = -2;
    std::shared_ptr<const SampleGrid> newest;                    // the newest published grid
    std::map<int64_t, std::shared_ptr<const SampleGrid>> grids;  // kept: read from samples/ or published
    std::map<int64_t, std::string> files;                        // samples/step_*.png by step
    double next_listing = 0, next_probe = 0;
    bool writer = true;  // a followed folder's writer still holds it (probed every 2 s)
    bool gone = false;   // a followed folder no longer exists
    // The Latent tab: the run's newest generator weights and the texture of its image of the latent.
    uint64_t key = 0;  // the latent worker's name for this run (indices shift when a run is removed)
    uint64_t seen_weights = 0;
    std::shared_ptr<const WeightsSnapshot> weights;
    TensorTexture latent_texture;
    int64_t reading = -1;  // the kept grid being read from its PNG for the shared slider (-1: none)
};

CompareModule::CompareModule(const ExplorerModel* explorer, const InterpolationModel* interpolation)
    : m_explorer(explorer), m_interpolation(interpolation) {
    CompareRun own;
    own.primary = true;
    own.color = kPalette[0];
    m_model.runs.push_back(std::move(own));
    m_live.push_back(std::make_unique<Live>());
    m_live.back()->key = ++m_next_key;
}

CompareModule::~CompareModule() = default;

std::string CompareModule::add(const std::string& what, const std::string& token, const std::string& label,
                               uint32_t color, bool visible) {
    const auto normal = [](const std::string& p) {
        fs::path n = fs::path(p).lexically_normal();
        return n.filename().empty() ? n.parent_path() : n;  // "runs/a/" is "runs/a"
    };
    const auto same = [&](const CompareRun& r) { return !r.what.empty() && normal(r.what) == normal(what); };
    if (std::any_of(m_model.runs.begin(), m_model.runs.end(), same)) {
        m_model.message = what + " is already in the comparison";
        return m_model.message;
    }
    std::unique_ptr<RunSource> source;
    try {
        source = open_run_source(what, token);
    } catch (const std::exception& e) {
        m_model.message = e.what();
        return m_model.message;
    }
    CompareRun run;
    run.what = what;
    run.label = label.empty() ? short_label(what) : label;
    run.color = color ? color : next_color(m_model.runs);
    run.visible = visible;
    run.kind = source->kind();
    m_model.runs.push_back(std::move(run));
    auto live = std::make_unique<Live>();
    live->key = ++m_next_key;
    live->source = std::move(source);
    m_live.push_back(std::move(live));
    m_model.message.clear();
    m_model.changed = true;
    return "";
}

void CompareModule::update(RunView& view, RunSource& run) {
    CompareRun& own = m_model.runs[0];
    if (own.what.empty()) {
        own.what = view.source.empty() ? run.name() : view.source;
        if (own.label.empty()) own.label = short_label(own.what);
        own.kind = run.kind();
        own.steered = run.capabilities().commands;
    }
    // Alone, the window's run is the other panels' business: no second copy of its metrics, no listing of its
    // samples, no texture (what it has is read when a run joins it).
    if (m_model.runs.size() < 2) return;
    const double now = wall_seconds();
    take_reads();
    for (size_t i = 0; i < m_live.size(); ++i) {
        Live& live = *m_live[i];
        update_run(i, live.source ? *live.source : run, live, now);
    }
    update_latent();
}

void CompareModule::take_reads() {
    if (!m_grid_reader) return;
    for (GridReadResult& read : m_grid_reader->take()) {
        const auto it = std::find_if(m_live.begin(), m_live.end(),
                                     [&](const std::unique_ptr<Live>& l) { return l->key == read.run; });
        if (it == m_live.end()) continue;  // removed since
        Live& live = **it;
        if (live.reading == read.step) live.reading = -1;
        if (!read.grid) {
            m_model.message = read.error;
            live.files.erase(read.step);  // until the next listing
            continue;
        }
        live.grids[read.step] = read.grid;
        if (live.grids.size() > 64)  // memory stays flat: the end farthest from this step goes
            live.grids.erase(live.grids.begin()->first == read.step ? std::prev(live.grids.end()) : live.grids.begin());
    }
}

void CompareModule::update_run(size_t index, RunSource& source, Live& live, double now) {
    const auto t0 = std::chrono::steady_clock::now();
    CompareRun& r = m_model.runs[index];
    std::shared_ptr<const TrainerStatus> status;
    if (source.status().fetch_if_newer(live.seen_status, status)) {
        r.status = status;
        if (!r.config && status->state != TrainerState::Starting && status->state != TrainerState::Failed &&
            status->config.batch_size > 0)
            r.config = status->config;
    }
    if (r.status && r.status->last.step != live.logged_step) {
        live.logged_step = r.status->last.step;
        const auto& have = r.metrics.records();
        const auto fresh = source.metrics_since(have.empty() ? -1 : have.back().step);
        for (const StepMetrics& m : fresh) r.metrics.push(m);
        if (!fresh.empty()) r.last_update = int64_t(now);
    }
    const std::string dir = source.run_dir();
    if (!dir.empty() && now >= live.next_probe) {
        live.next_probe = now + 2;
        std::error_code ec;
        live.gone = !fs::exists(dir, ec) && source.kind() == "following";
        if (source.kind() == "following") {
            live.writer = writer_holds(dir);
            const auto written = fs::last_write_time(dir + "/metrics.jsonl", ec);
            if (!ec)
                r.last_update =
                    int64_t(std::chrono::duration<double>(written - fs::file_time_type::clock::now()).count() + now);
        }
    }
    r.state =
        !r.status ? (source.disconnected() ? "disconnected" : "starting") : state_of(*r.status, source.disconnected());
    if (live.gone)
        r.state = "gone";
    else if (source.kind() == "following" && r.state == "running" && !live.writer)
        r.state = "stopped";

    // The newest generator weights (a followed folder's newest history snapshot, a checkpoint's, a served run's,
    // the trainer's here), for the Latent tab.
    std::shared_ptr<const WeightsSnapshot> weights;
    if (source.weights().fetch_if_newer(live.seen_weights, weights)) live.weights = weights;

    // Grids: the newest as it is published; the kept ones (the run's samples/ files, else those published while
    // open) for the shared slider.
    std::shared_ptr<const SampleGrid> grid;
    const bool published = source.samples().fetch_if_newer(live.seen_grid, grid) && grid && grid->images.defined();
    if (published) {
        live.newest = grid;
        r.live_step = grid->step;
        if (dir.empty()) {
            live.grids[grid->step] = grid;
            while (live.grids.size() > 64) live.grids.erase(live.grids.begin());  // memory stays flat
        }
    }
    if (!dir.empty() && now >= live.next_listing) {
        live.next_listing = now + 2;
        live.files.clear();
        for (const SampleFile& f : list_samples(dir)) live.files[f.step] = f.path;
    }
    r.kept_steps.clear();
    for (const auto& [step, path] : live.files) r.kept_steps.push_back(step);
    for (const auto& [step, g] : live.grids)
        if (!live.files.count(step)) r.kept_steps.push_back(step);
    std::sort(r.kept_steps.begin(), r.kept_steps.end());
    show_grid(r, live);
    if (published && index > 0) {
        if (m_publish_ms.size() >= 100000) m_publish_ms.clear();
        m_publish_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
}

void CompareModule::show_grid(CompareRun& r, Live& live) {
    std::shared_ptr<const SampleGrid> want = live.newest;
    int64_t step = live.newest ? live.newest->step : -1;
    if (m_model.pinned && !r.kept_steps.empty()) {
        // The kept grid nearest the shared step (the earlier one on a tie).
        auto it = std::lower_bound(r.kept_steps.begin(), r.kept_steps.end(), m_model.pin_step);
        if (it == r.kept_steps.end() ||
            (it != r.kept_steps.begin() && m_model.pin_step - *(it - 1) <= *it - m_model.pin_step))
            --it;
        step = *it;
        want = nullptr;
        if (auto g = live.grids.find(step); g != live.grids.end())
            want = g->second;
        else if (auto f = live.files.find(step); f != live.files.end() && r.config && live.reading != step) {
            // Read from its PNG on the reader's thread; the grid on screen stays until it arrives (take_reads).
            if (!m_grid_reader) m_grid_reader = std::make_unique<GridReadWorker>(read_kept_grid);
            m_grid_reader->request({live.key, step, f->second, *r.config});
            live.reading = step;
        }
    }
    if (!want || step == r.shown_step) return;
    const torch::Tensor image =
        want->grid.defined() ? want->grid : grid_image(want->images, want->columns, want->padding);
    live.texture.update(image, want->ready.get());
    r.shown_step = step;
    r.grid = image_of(live.texture);
}

torch::Tensor CompareModule::current_latent() {
    CompareModel& m = m_model;
    m.latent_what.clear();
    m.latent_none.clear();
    if (m.latent_frame) {
        const InterpolationModel* in = m_interpolation;
        if (!in || !in->a.defined() || !in->b.defined()) {
            m.latent_none =
                "the Interpolation has no A and B yet (right-click a sample, or the explorer's Use as A / B)";
            return {};
        }
        const int frames = std::max(2, in->frames);
        const int frame = interpolation_loop_frame(in->phase, frames);
        m.latent_what = "interpolation frame " + std::to_string(frame + 1) + " of " + std::to_string(frames) +
                        (in->spherical ? " (slerp A to B)" : " (lerp A to B)");
        return interpolation_frame_latent(*in, frame);
    }
    if (!m_explorer || !m_explorer->base.defined()) {
        m.latent_none = "the window's own run has no latent yet (a pix2pix run has none)";
        return {};
    }
    m.latent_what = "the explorer's latent";
    return explorer_latent(*m_explorer);
}

void CompareModule::update_latent() {
    CompareModel& m = m_model;
    const bool open = m.latent_tab_open;
    m.latent_tab_open = false;  // until the panel draws the tab again (its window may be behind another)
    // Worked out, and asked for, only while the tab is in front; answers already asked for are taken in anyway.
    const bool changed = open && request_latent();
    if (!m_latent_worker) return;
    std::shared_ptr<const LatentThroughRuns> result;
    if (m_latent_worker->result().fetch_if_newer(m_seen_latent, result)) {
        m_shown_request = result->request;
        m.latent_ms = result->ms;
        for (const LatentThroughRuns::Run& out : result->runs) {
            const auto it = std::find_if(m_live.begin(), m_live.end(),
                                         [&](const std::unique_ptr<Live>& l) { return l->key == out.run; });
            if (it == m_live.end()) continue;  // removed since
            CompareRun& r = m.runs[size_t(it - m_live.begin())];
            if (!out.image.defined()) {
                r.latent_note = "generator: " + out.error;
                continue;
            }
            (*it)->latent_texture.update(out.image);
            r.latent_image = image_of((*it)->latent_texture);
            r.latent_step = out.weights_step;
            if (r.latent_note.rfind("generator: ", 0) == 0) r.latent_note.clear();
        }
    }
    m.latent_current = m_shown_request != 0 && m_shown_request == m_sent_request && !changed;
}

// The latent through every run that can draw it, asked of the worker when the latent or a run's weights changed;
// the runs that cannot say why. Returns whether what is asked differs from what the shown images are of.
bool CompareModule::request_latent() {
    CompareModel& m = m_model;
    const torch::Tensor z = current_latent();
    const int64_t dim = z.defined() ? z.numel() : 0;
    // Which runs can render it; the others say why not.
    std::vector<LatentRunsWorker::RunWeights> ask;
    std::vector<const WeightsSnapshot*> asked;
    for (size_t i = 0; i < m.runs.size(); ++i) {
        CompareRun& r = m.runs[i];
        const Live& live = *m_live[i];
        std::string note;
        if (!r.config)
            note = r.state.rfind("failed", 0) == 0 || r.state == "gone" ? r.state : "waiting for its configuration";
        else if (!r.config->has_latent_space())
            note = r.config->model + ": no latent space (it translates images)";
        else if (dim > 0 && r.config->latent_dim != dim)
            note = "latent size " + std::to_string(r.config->latent_dim) + ", not the " + std::to_string(dim) +
                   " of this latent: no latent to share";
        else if (!live.weights)
            note = r.kind == "following" && r.what.rfind("http://", 0) != 0
                       ? "no weights yet (a run folder's come with its history snapshots)"
                       : "no weights yet";
        if (note.empty() && r.visible) {
            ask.push_back({live.key, live.weights});
            asked.push_back(live.weights.get());
        }
        if (!note.empty() || r.latent_note.rfind("generator: ", 0) != 0) r.latent_note = note;
    }
    // Asked only while the tab is in front, and again only when the latent or a run's weights changed.
    const bool changed = z.defined() && (!m_sent_latent.defined() || m_sent_latent.sizes() != z.sizes() ||
                                         !torch::equal(m_sent_latent, z) || asked != m_sent_weights);
    if (changed && !ask.empty()) {
        if (!m_latent_worker) m_latent_worker = std::make_unique<LatentRunsWorker>();
        m_sent_request = m_latent_worker->request(z, std::move(ask));
        m_sent_latent = z.clone();
        m_sent_weights = std::move(asked);
    }
    return changed;
}

const TensorTexture& CompareModule::latent_texture(size_t index) const { return m_live.at(index)->latent_texture; }

bool CompareModule::latents_ready() const {
    if (!m_model.latent_current) return false;
    for (const CompareRun& r : m_model.runs)
        if (r.visible && r.latent_note.empty() && !r.latent_image.ready()) return false;
    return true;
}

void CompareModule::apply(RunView& view, RunSource&) {
    CompareModel& m = m_model;
    for (const CompareModel::Add& a : m.add) {
        const std::string problem = add(a.what, a.token);
        view.notify(problem.empty() ? "comparing " + a.what : problem, 8);
    }
    m.add.clear();
    if (m.remove > 0 && size_t(m.remove) < m.runs.size()) {  // the window's own run stays
        if (m_live[size_t(m.remove)]->source) m_live[size_t(m.remove)]->source->close();
        m_live.erase(m_live.begin() + m.remove);
        m.runs.erase(m.runs.begin() + m.remove);
        m.changed = true;
    }
    m.remove = -1;
    if (m.changed) {
        m.changed = false;
        save_state();
    }
}

bool CompareModule::grids_ready() const {
    if (m_model.runs.size() < 2) return true;  // nothing compared
    for (const CompareRun& r : m_model.runs) {
        const bool cannot =
            r.state == "gone" || r.state.rfind("failed", 0) == 0 || r.state == "stopped" || r.state == "finished";
        if (r.shown_step < 0 && !(cannot && r.kept_steps.empty())) return false;
    }
    return true;
}

void CompareModule::shutdown() {
    m_latent_worker.reset();
    m_grid_reader.reset();
    for (auto& live : m_live)
        if (live->source) live->source->close();
    m_live.clear();
    m_model.runs.resize(0);
}

void CompareModule::save_state() const {
    if (m_state_path.empty() || m_model.runs.size() < 2) return;
    nlohmann::json runs = nlohmann::json::array();
    for (const CompareRun& r : m_model.runs) {  // tokens are not kept: a served run is followed read-only
        // Absolute, so `ganscope compare` reopens the set from any folder.
        std::error_code ec;
        const fs::path absolute = r.what.rfind("http://", 0) == 0 ? fs::path(r.what) : fs::absolute(r.what, ec);
        const std::string what = ec ? r.what : absolute.lexically_normal().string();
        runs.push_back({{"what", what}, {"label", r.label}, {"color", r.color}, {"visible", r.visible}});
    }
    try {
        write_atomically(m_state_path, nlohmann::json{{"runs", runs}}.dump(2) + "\n");
    } catch (const std::exception&) {
        // the layout folder is not writable: the set is simply not remembered
    }
}

std::vector<SavedCompareRun> read_compare_state(const std::string& path) {
    std::vector<SavedCompareRun> out;
    std::ifstream in(path);
    if (!in) return out;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        for (const auto& r : j.at("runs")) {
            SavedCompareRun s;
            s.what = r.at("what").get<std::string>();
            s.label = r.value("label", s.what);
            s.color = r.value("color", uint32_t(0));
            s.visible = r.value("visible", true);
            if (!s.what.empty()) out.push_back(std::move(s));
        }
    } catch (const std::exception&) {
        out.clear();  // damaged: as if there were none
    }
    return out;
}

std::string compare_state_path(const std::string& ini_path) {
    if (ini_path.empty()) return "";
    return (fs::path(ini_path).parent_path() / "compare.json").string();
}

}  // namespace ganscope
