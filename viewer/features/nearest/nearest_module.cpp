// The Nearest panel's module (see nearest_module.h). GL thread.
#include "viewer/features/nearest/nearest_module.h"

namespace ganscope {

void NearestModule::on_run_known(RunView&, const TrainerStatus& status) { m_config = status.config; }

void NearestModule::query(const torch::Tensor& image, const std::string& from) {
    if (!m_config) return;
    if (!m_worker) m_worker = std::make_unique<NearestWorker>();
    NearestRequest r;
    r.config = *m_config;
    r.image = image.detach().to(torch::kCPU, torch::kFloat32).clone();
    r.from = from;
    m_last_request = m_worker->request(std::move(r));
    m_model.pending = true;
    m_model.error.clear();
}

void NearestModule::update(RunView&, RunSource&) {
    if (!m_worker) return;
    std::shared_ptr<const NearestAnswer> a;
    if (m_worker->result().fetch_if_newer(m_seen, a)) {
        NearestModel& m = m_model;
        m.pending = a->request != m_last_request;  // an older answer: the newest is still coming
        m.error = a->error;
        if (!a->error.empty()) return;  // the last answer stays shown under the error
        m.from = a->from;
        m_query.update(a->query, nullptr);
        m.query = image_of(m_query);
        m_matches.resize(a->matches.size());
        m.matches.clear();
        for (size_t i = 0; i < a->matches.size(); ++i) {
            m_matches[i].update(a->images[int64_t(i)], nullptr);
            m.matches.push_back({image_of(m_matches[i]), a->names[i], a->matches[i].distance});
        }
        m.index_size = a->index_size;
        m.image_size = a->image_size;
        m.typical = a->typical;
        m.from_cache = a->from_cache;
        m.index_seconds = a->index_seconds;
        m.query_ms = a->query_ms;
        m.picked = 0;
    }
}

void NearestModule::shutdown() {
    m_worker.reset();
    m_query = TensorTexture();
    m_matches.clear();
}

}  // namespace ganscope
