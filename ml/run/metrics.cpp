// Metrics records, their JSON form, and the bounded history.
#include "ml/run/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

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
    nlohmann::json j = {{"step", step}, {"epoch", epoch}, {"loss_g", number(loss_g)}};
    // What a model without a discriminator does not have stays out (a diverged D's NaN loss still shows as null
    // when D(x) was measured).
    const bool judged = std::isfinite(loss_d) || std::isfinite(d_real);
    if (judged) j.update({{"loss_d", number(loss_d)}, {"d_real", number(d_real)}, {"d_fake", number(d_fake)}});
    j.update({{"images_per_sec", number(images_per_sec)}, {"seconds", number(seconds)}});
    if (std::isfinite(loss_aux)) j["loss_aux"] = loss_aux;
    if (std::isfinite(loss_gan)) j["loss_gan"] = loss_gan;
    // quality
    if (std::isfinite(swd)) j["swd"] = swd;
    for (const auto& [resolution, value] : swd_levels)
        if (std::isfinite(value)) j["swd_" + std::to_string(resolution)] = value;
    if (std::isfinite(val_l1)) j["val_l1"] = val_l1;
    if (std::isfinite(swd_seconds)) j["swd_seconds"] = swd_seconds;
    if (std::isfinite(diversity)) j["diversity"] = diversity;
    if (std::isfinite(copying)) j["copying"] = copying;
    if (std::isfinite(fid)) j["fid"] = fid;
    if (std::isfinite(kid)) j["kid"] = kid;
    if (std::isfinite(fid_seconds)) j["fid_seconds"] = fid_seconds;
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
    m.loss_gan = get_number(j, "loss_gan");
    m.images_per_sec = get_number(j, "images_per_sec");
    m.seconds = get_number(j, "seconds");
    // quality
    m.swd = get_number(j, "swd");
    m.val_l1 = get_number(j, "val_l1");
    m.swd_seconds = get_number(j, "swd_seconds");
    m.diversity = get_number(j, "diversity");
    m.copying = get_number(j, "copying");
    m.fid = get_number(j, "fid");
    m.kid = get_number(j, "kid");
    m.fid_seconds = get_number(j, "fid_seconds");
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& key = it.key();
        if (key.size() > 4 && key.compare(0, 4, "swd_") == 0 && key.find_first_not_of("0123456789", 4) == std::string::npos &&
            it->is_number())
            m.swd_levels.emplace_back(std::stoi(key.substr(4)), it->get<double>());
    }
    std::sort(m.swd_levels.begin(), m.swd_levels.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    m.lr_g = get_number(j, "lr_g");
    m.lr_d = get_number(j, "lr_d");
    return m;
}

std::string describe_losses(const StepMetrics& m) {
    char buf[160];
    int n = std::snprintf(buf, sizeof buf, "G %.3f", m.loss_g);
    auto append = [&](const char* format, auto... values) {
        if (n >= 0 && size_t(n) < sizeof buf) n += std::snprintf(buf + n, sizeof buf - size_t(n), format, values...);
    };
    if (std::isfinite(m.loss_gan))
        append(" (GAN %.3f, L1 %.3f)", m.loss_gan, m.loss_aux);
    else if (std::isfinite(m.loss_aux) && m.loss_aux != m.loss_g)
        append(" (aux %.3f)", m.loss_aux);
    if (std::isfinite(m.loss_d) || std::isfinite(m.d_real)) append("  D %.3f", m.loss_d);
    if (std::isfinite(m.d_real)) append("  D(x) %.2f  D(G(z)) %.2f", m.d_real, m.d_fake);
    return buf;
}

std::vector<StepMetrics> rewrite_metrics_up_to(const std::string& path, int64_t step) {
    std::vector<StepMetrics> kept;
    std::string text;
    {
        std::ifstream in(path);
        if (!in) return kept;
        for (std::string line; std::getline(in, line);) {
            try {
                StepMetrics m = StepMetrics::from_json(nlohmann::json::parse(line));
                if (m.step > step) continue;
                kept.push_back(m);
                text += line + "\n";
            } catch (const std::exception&) {
                // a line cut short by a crash: drop it
            }
        }
    }
    const std::string temp = path + ".partial";
    FILE* f = std::fopen(temp.c_str(), "wb");
    bool ok = f != nullptr;
    if (f) {
        ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
        ok = std::fflush(f) == 0 && ok;
        ok = ::fsync(fileno(f)) == 0 && ok;
        ok = std::fclose(f) == 0 && ok;
    }
    if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(temp.c_str());
        throw std::runtime_error(path + ": cannot rewrite the metrics for the resume (" + why +
                                 "); the old file is kept; free some disk space and resume again");
    }
    return kept;
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
