// InspectWorker (see inspect_worker.h). Public methods: GL thread; work(): the worker's thread.
#include "viewer/workers/inspect_worker.h"

#include "ml/module_io.h"

namespace ganscope {

InspectWorker::InspectWorker() : m_loop([this](Pending& taken) { work(taken); }) {}

InspectWorker::~InspectWorker() { m_loop.stop(); }

uint64_t InspectWorker::request(std::shared_ptr<const WeightsSnapshot> weights, torch::Tensor latent) {
    return m_loop.post([&](Pending& p) {
        p.id = ++m_next_id;
        p.weights = std::move(weights);
        p.latent = std::move(latent);
        return p.id;
    });
}

void InspectWorker::work(Pending& taken) {
    const WeightsSnapshot& w = *taken.weights;
    if (!w.config.has_latent_space())
        throw std::runtime_error("the Inspect panel's feature maps need a latent-space (DCGAN) generator");
    if (taken.weights != m_loaded) {
        // As SnapshotGenerator does: the generator of this size, the snapshot's tensors by name, eval mode.
        DcganGenerator g(w.config.image_size, w.config.latent_dim, w.config.g_width);
        assign_named_tensors(*g, w.tensors, "weights snapshot at step " + std::to_string(w.step));
        g->eval();
        m_generator = g;
        m_loaded = taken.weights;
    }
    torch::Tensor z = taken.latent.to(torch::kFloat32).reshape({1, -1, 1, 1});
    InspectMaps out;
    out.request = taken.id;
    out.step = w.step;
    out.layers = sequential_feature_maps(m_generator->net, z);
    m_result.publish(std::move(out));
}

}  // namespace ganscope
