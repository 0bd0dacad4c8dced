// The sample grid into its texture (see samples_module.h). GL thread.
#include "viewer/modules/samples_module.h"

#include "ml/dcgan.h"
#include "ml/latent.h"
#include "ml/tensor_image.h"

namespace ganscope {

void SamplesModule::on_run_known(RunView&, const TrainerStatus& status) {
    const TrainConfig& c = status.config;
    // The run's fixed latents as its seed makes them; the source's own arrive with its first grid.
    if (c.has_latent_space() && c.latent_dim > 0 && !m_grid.latents.defined())
        m_grid.latents = make_fixed_latents(c.grid_count, c.latent_dim, c.seed);
}

void SamplesModule::update(RunView& view, RunSource& run) {
    std::shared_ptr<const SampleGrid> grid;
    if (run.samples().fetch_if_newer(m_seen, grid) && grid->images.defined()) show(view, *grid);
    if (!m_texture.empty() && m_grid.view.width > 0) {  // the view the panel asked for last frame
        m_texture.show(m_grid.view);
        const Texture& v = m_texture.view_texture();
        m_grid.view_image = {v.id(), v.width(), v.height()};
    }
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
    g.image = image_of(m_texture);
    g.step = grid.step;
}

}  // namespace ganscope
