// The sample grid into its texture (see samples_module.h). GL thread.
#include "viewer/features/samples/samples_module.h"

#include "ml/models/dcgan.h"
#include "ml/models/latent.h"
#include "ml/data/tensor_image.h"

namespace ganscope {

void SamplesModule::on_run_known(RunView&, const TrainerStatus& status) {
    const TrainConfig& c = status.config;
    // The run's fixed latents as its seed makes them; the source's own arrive with its first grid.
    if (c.has_latent_space() && c.latent_dim > 0 && !m_grid.latents.defined())
        m_grid.latents = make_fixed_latents(c.grid_count, c.latent_dim, c.seed);
}

void SamplesModule::update(RunView& view, RunSource& run) {
    std::shared_ptr<const SampleGrid> grid;
    if (run.samples().fetch_if_newer(m_seen, grid) && grid->images.defined()) {
        show(view, *grid);
        m_shown = grid;
    }
    if (!m_texture.has_images()) return;
    frame_verdicts();
    auto ref = [](const Texture& t) { return ImageRef{t.id(), t.width(), t.height()}; };
    if (m_grid.view.width > 0) {  // the view the panel asked for last frame
        m_texture.show(m_grid.view);
        m_grid.view_image = ref(m_texture.view_texture());
    }
    if (m_grid.view.hover >= 0) m_grid.cell_image = ref(m_texture.draw_cell(m_grid.view.hover));
    if (m_grid.whole_wanted) {  // a panel showed the whole grid last frame
        m_grid.image = ref(m_texture.draw_whole());
        m_grid.whole_wanted = false;
    }
}

void SamplesModule::request(RunView&) {
    const int cell = m_panel.nearest_cell;
    m_panel.nearest_cell = -1;
    if (cell < 0 || !m_shown || !m_links.nearest || cell >= m_shown->images.size(0)) return;
    // One cell of the grid shown (show() has already made its stream wait for the producer).
    m_links.nearest(m_shown->images[cell].to(torch::kCPU, torch::kFloat32),
                    "sample " + std::to_string(cell + 1) + " of step " + std::to_string(m_shown->step));
}

void SamplesModule::frame_verdicts() {
    GridModel& g = m_grid;
    GridView& v = g.view;
    // While Inspect is visible its verdicts frame the cells: the fixed latents' images of this grid or of one a
    // publish or two older (a run that publishes often moves on while the discriminator judges).
    const bool shown = m_inspect && m_inspect->judging && !m_inspect->verdicts.empty() &&
                       int(m_inspect->verdicts.size()) == g.count && m_inspect->grid_step <= g.step;
    if (!shown) {  // Inspect hidden, or nothing judged yet: no frames rather than stale ones
        v.scores = 0;
        g.verdicts.clear();
        return;
    }
    if (m_scores_from != m_inspect->verdicts_revision || !m_scores) {
        if (!m_scores) m_scores = std::make_unique<CellScores>();
        if (!m_score_map) m_score_map = std::make_unique<ColorMapTexture>(color_map("coolwarm"));
        m_scores->upload(m_inspect->verdicts);
        m_scores_from = m_inspect->verdicts_revision;
    }
    g.verdicts = m_inspect->verdicts;
    g.verdict_probabilities = m_inspect->probabilities;
    g.verdicts_step = m_inspect->grid_step;
    v.scores = m_scores->id();
    v.scores_revision = m_scores->updates();
    v.score_map = m_score_map->id();
    v.score_low = m_inspect->verdict_low;
    v.score_high = m_inspect->verdict_high;
}

void SamplesModule::shutdown() {
    m_texture = GridTexture();
    m_scores.reset();
    m_score_map.reset();
}

const Texture& SamplesModule::whole_texture() {
    const Texture& t = m_texture.draw_whole();
    m_grid.image = {t.id(), t.width(), t.height()};
    return t;
}

void SamplesModule::show(const RunView& view, const SampleGrid& grid) {
    GridModel& g = m_grid;
    const torch::Tensor& images = grid.images;
    g.count = int(images.size(0));
    g.cell = int(images.size(3));
    if (grid.ready && images.is_cuda()) grid.ready->block(c10::Stream(c10::Stream::DEFAULT, images.device()));
    if (grid.grid.defined()) {  // the source's layout (its tiled copy is for files and the server)
        g.columns = grid.columns;
        g.padding = grid.padding;
    } else {
        g.columns = display_grid_columns(g.count, view.config && view.config->image_to_image());
        g.padding = kDisplayPadding;
    }
    GridLayout layout;
    layout.count = g.count;
    layout.columns = g.columns;
    layout.padding = g.padding;
    m_texture.update(images, layout, nullptr);
    if (grid.latents.defined()) g.latents = grid.latents;
    g.step = grid.step;
}

}  // namespace ganscope
