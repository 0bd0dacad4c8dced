// Metrics records, their JSON form, and the bounded history.
#include "ml/metrics.h"

#include <algorithm>
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
    // quality (issue 16)
    if (std::isfinite(swd)) j["swd"] = swd;
    for (const auto& [resolution, value] : swd_levels)
        if (std::isfinite(value)) j["swd_" + std::to_string(resolution)] = value;
    if (std::isfinite(val_l1)) j["val_l1"] = val_l1;
    if (std::isfinite(swd_seconds)) j["swd_seconds"] = swd_seconds;
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
    // quality (issue 16)
    m.swd = get_number(j, "swd");
    m.val_l1 = get_number(j, "val_l1");
    m.swd_seconds = get_number(j, "swd_seconds");
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& key = it.key();
        if (key.size() > 4 && key.compare(0, 4, "swd_") == 0 && key.find_first_not_of("0123456789", 4) == std::string::npos &&
            it->is_number())
            m.swd_levels.emplace_back(std::stoi(key.substr(4)), it->get<double>());
    }
    std::sort(m.swd_levels.begin(), m.swd_levels.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    return m;
}

void MetricsHistory::push(const StepMetrics& m) {
    if (m_pushed++ % m_stride != 0 && !std::isfinite(m.swd)) return;
    m_records.push_back(m);
    if (m_records.size() >= m_capacity) {
        // Halve the resolution: keep every other record, and only every 2*stride-th from now on.
        size_t kept = 0;
        for (size_t i = 0; i < m_records.size(); ++i)
            if (i % 2 == 0 || (std::isfinite(m_records[i].swd) && kept < m_capacity / 2)) m_records[kept++] = m_records[i];
        m_records.resize(kept);
        m_stride *= 2;
        m_pushed = 1;  // the last kept record stands for the most recent push
    }
}

}  // namespace ganscope
