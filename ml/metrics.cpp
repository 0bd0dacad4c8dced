// Metrics records, their JSON form, and the bounded history.
#include "ml/metrics.h"

#include <cmath>

namespace ganscope {
namespace {
// JSON has no NaN: write null and read it back as NaN.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double get_number(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nan("");
    return it->get<double>();
}
}  // namespace

nlohmann::json StepMetrics::to_json() const {
    nlohmann::json j = {{"step", step}, {"epoch", epoch}, {"loss_g", number(loss_g)}, {"loss_d", number(loss_d)},
                        {"d_real", number(d_real)}, {"d_fake", number(d_fake)},
                        {"images_per_sec", number(images_per_sec)}, {"seconds", number(seconds)}};
    if (std::isfinite(loss_aux)) j["loss_aux"] = loss_aux;
    // issue 15
    if (std::isfinite(lr_g)) j["lr_g"] = lr_g;
    if (std::isfinite(lr_d)) j["lr_d"] = lr_d;
    return j;
}

StepMetrics StepMetrics::from_json(const nlohmann::json& j) {
    StepMetrics m;
    m.step = j.value("step", int64_t(0));
    m.epoch = j.value("epoch", int64_t(0));
    m.loss_g = get_number(j, "loss_g");
    m.loss_d = get_number(j, "loss_d");
    m.d_real = get_number(j, "d_real");
    m.d_fake = get_number(j, "d_fake");
    m.loss_aux = get_number(j, "loss_aux");
    m.images_per_sec = get_number(j, "images_per_sec");
    m.seconds = get_number(j, "seconds");
    // issue 15
    m.lr_g = get_number(j, "lr_g");
    m.lr_d = get_number(j, "lr_d");
    return m;
}

void MetricsHistory::push(const StepMetrics& m) {
    if (m_pushed++ % m_stride != 0) return;
    m_records.push_back(m);
    if (m_records.size() >= m_capacity) {
        // Halve the resolution: keep every other record, and only every 2*stride-th from now on.
        size_t kept = 0;
        for (size_t i = 0; i < m_records.size(); i += 2) m_records[kept++] = m_records[i];
        m_records.resize(kept);
        m_stride *= 2;
        m_pushed = 1;  // the last kept record stands for the most recent push
    }
}

}  // namespace ganscope
