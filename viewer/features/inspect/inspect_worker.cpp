// InspectWorker (see inspect_worker.h). Public methods: GL thread; work(): the worker's thread.
#include "viewer/features/inspect/inspect_worker.h"

#include "ml/run/module_io.h"

namespace ganscope {

InspectWorker::InspectWorker() : m_loop([this](Pending& taken) { work(taken); }) {}

InspectWorker::~InspectWorker() { m_loop.stop(); }

uint64_t InspectWorker::request(InspectRequest request) {
    return m_loop.post([&](Pending& p) {
        p.id = ++m_next_id;
        p.request = std::move(request);
        return p.id;
    });
}

void InspectWorker::work(Pending& taken) {
    const InspectRequest& r = taken.request;
    const WeightsSnapshot& w = *r.weights;
    InspectMaps out;
    out.request = taken.id;
    out.step = w.step;
    torch::NoGradGuard no_grad;
    if (r.latent.defined()) {
        if (!w.config.has_latent_space())
            throw std::runtime_error("the Inspect panel's feature maps need a latent-space (DCGAN) generator");
        if (r.weights != m_loaded_g) {
            // As SnapshotGenerator does: the generator of this size, the snapshot's tensors by name, eval mode.
            DcganGenerator g(w.config.image_size, w.config.latent_dim, w.config.g_width);
            assign_named_tensors(*g, w.tensors, "weights snapshot at step " + std::to_string(w.step));
            g->eval();
            m_generator = g;
            m_loaded_g = r.weights;
        }
        out.layers = sequential_feature_maps(m_generator->net, r.latent.to(torch::kFloat32).reshape({1, -1, 1, 1}));
    }
    if (r.grid.defined()) {
        out.grid_step = r.grid_step;
        if (r.grid_ready) r.grid_ready->synchronize();  // the producer's stream has finished writing the images
        const torch::Tensor images = r.grid.to(torch::kCPU, torch::kFloat32);
        if (w.config.image_to_image()) {
            // The error maps need no discriminator; the PatchGAN's map does.
            const TranslationTriples t = split_translation_grid(images);
            out.error_maps = error_maps(t.outputs, t.targets);
            if (!w.discriminator.empty()) {
                if (r.weights != m_loaded_d) {
                    m_discriminator = std::make_unique<SnapshotDiscriminator>(w);
                    m_loaded_d = r.weights;
                }
                out.patch_maps = m_discriminator->patch_map(t.inputs, t.outputs);
            }
        } else if (!w.discriminator.empty()) {
            if (r.weights != m_loaded_d) {
                m_discriminator = std::make_unique<SnapshotDiscriminator>(w);
                m_loaded_d = r.weights;
            }
            const torch::Tensor v = m_discriminator->verdicts(images).contiguous();
            out.verdicts.assign(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
            out.probabilities = m_discriminator->verdicts_are_probabilities();
        }
        if (w.discriminator.empty())
            out.note = "no discriminator in this run's weights (a followed folder or a served run sends the "
                       "generator only; a pix2pix run without an adversarial loss has none)";
    }
    m_result.publish(std::move(out));
}

}  // namespace ganscope
