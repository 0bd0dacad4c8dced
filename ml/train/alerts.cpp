// The detectors (see alerts.h).
#include "ml/train/alerts.h"

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

namespace ganscope {
namespace {

constexpr size_t kEvidence = 24;  // points of curve kept for an alert's evidence

void keep(std::deque<std::pair<int64_t, double>>& curve, int64_t step, double value) {
    curve.emplace_back(step, value);
    while (curve.size() > kEvidence) curve.pop_front();
}

std::vector<std::pair<int64_t, double>> tail(const std::deque<std::pair<int64_t, double>>& curve) {
    return {curve.begin(), curve.end()};
}

std::string number(double v, const char* format = "%.3g") {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

nlohmann::json Alert::to_json() const {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& [s, v] : evidence)
        points.push_back({s, std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr)});
    return {{"kind", kind}, {"step", step}, {"message", message}, {"series", series}, {"evidence", points}};
}

Alert Alert::from_json(const nlohmann::json& j) {
    Alert a;
    a.kind = j.at("kind").get<std::string>();
    a.step = j.at("step").get<int64_t>();
    a.message = j.at("message").get<std::string>();
    a.series = j.value("series", std::string());
    for (const auto& p : j.value("evidence", nlohmann::json::array()))
        if (p.is_array() && p.size() == 2 && p[0].is_number_integer())
            a.evidence.emplace_back(p[0].get<int64_t>(), p[1].is_number() ? p[1].get<double>() : std::nan(""));
    return a;
}

std::vector<Alert> read_alerts_file(const std::string& path) {
    std::vector<Alert> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        try {
            out.push_back(Alert::from_json(nlohmann::json::parse(line)));
        } catch (const std::exception&) {
            // a line cut short or being written: the next read has it
        }
    }
    return out;
}

void run_alert_command(const std::string& command, const Alert& alert) {
    const std::string json = alert.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::thread([command, json] {
        std::FILE* pipe = ::popen(command.c_str(), "w");
        if (!pipe) {
            std::fprintf(stderr, "ganscope: --alert-command could not start: %s\n", std::strerror(errno));
            return;
        }
        std::fwrite(json.data(), 1, json.size(), pipe);
        const int status = ::pclose(pipe);
        if (status != 0)
            std::fprintf(stderr, "ganscope: --alert-command exited with status %d\n",
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }).detach();
}

std::string alert_line(const Alert& a) {
    return "alert (" + a.kind + ") at step " + std::to_string(a.step) + ": " + a.message;
}

std::vector<Alert> AlertDetector::on_diversity(int64_t step, double diversity) {
    std::vector<Alert> out;
    if (!std::isfinite(diversity)) return out;
    keep(m_diversity, step, diversity);
    m_best_diversity = std::max(m_best_diversity, diversity);
    if (m_best_diversity < m_t.armed_diversity) return out;  // it has not learnt to vary yet
    const bool low = diversity < m_t.collapse_diversity && diversity < m_t.collapse_fraction * m_best_diversity;
    if (!low) {
        m_low_diversity = 0;
        m_low_since = -1;
        // Recovered only well clear of the line (a run hovering about it would raise it again and again).
        if (diversity >= 1.4 * m_t.collapse_diversity && diversity >= 1.4 * m_t.collapse_fraction * m_best_diversity)
            m_collapsed = false;
        return out;
    }
    if (m_low_diversity++ == 0) m_low_since = step;
    if (!m_collapsed && m_low_diversity >= m_t.collapse_checks && step - m_low_since >= m_t.collapse_steps) {
        m_collapsed = true;
        out.push_back({"collapse", step,
                       "mode collapse: the fixed-latent samples' diversity is " + number(diversity, "%.2f") +
                           " of the data's, down from " + number(m_best_diversity, "%.2f") +
                           ", and has stayed low since step " + std::to_string(m_low_since) +
                           "; the generator draws few distinct images",
                       "diversity", tail(m_diversity)});
    }
    return out;
}

std::vector<Alert> AlertDetector::on_copying(int64_t step, double copying, double near_share) {
    std::vector<Alert> out;
    if (!std::isfinite(copying)) return out;
    keep(m_copying, step, copying);
    // Samples that are one blur sit near every training image without copying any (an average image is near them
    // all): counted only when this grid's diversity (measured just before) shows samples as varied as copies are.
    // And "nearer than the data's own neighbours" alone is no copy where those neighbours are far apart (a handful
    // of very different images): a grid counts when most samples sit within a fraction of that distance.
    const bool varied =
        !m_diversity.empty() && m_diversity.back().first == step && m_diversity.back().second >= m_t.armed_diversity;
    if (!(near_share >= m_t.copying_share) || !varied) {
        m_copying_checks = 0;
        m_copying_since = -1;
        if (!(near_share >= m_t.copying_clear)) m_copying_raised = false;  // well clear: a later rise is news again
        return out;
    }
    if (m_copying_checks++ == 0) m_copying_since = step;
    if (!m_copying_raised && m_copying_checks >= m_t.copying_checks && step - m_copying_since >= m_t.copying_steps) {
        m_copying_raised = true;
        out.push_back({"copying", step,
                       "copying: " + number(100 * near_share, "%.0f") + " % of the fixed-latent samples are within " +
                           number(m_t.copying_near, "%.1f") +
                           " of the distance training images keep from each other (copying score " +
                           number(copying, "%.2f") + "), since step " + std::to_string(m_copying_since) +
                           "; the generator may be reproducing its data (`ganscope nearest` shows each sample beside "
                           "its nearest training images); more data or --diffaug helps",
                       "copying", tail(m_copying)});
    }
    return out;
}

std::vector<Alert> AlertDetector::on_metrics(const StepMetrics& m, bool probabilities) {
    std::vector<Alert> out;
    // (A NaN loss_d alone is a model without a discriminator; an adversarial one's NaN comes with G's.)
    if (!std::isfinite(m.loss_g) || std::isinf(m.loss_d)) {
        if (!m_nonfinite) {
            m_nonfinite = true;
            out.push_back({"divergence",
                           m.step,
                           "divergence: the losses are not finite (G " + number(m.loss_g) + ", D " + number(m.loss_d) +
                               "); training pauses, the last good checkpoint is kept",
                           "loss_g",
                           {{m.step, m.loss_g}}});
        }
        return out;
    }
    // D wins completely: it tells every real from every fake, and G's gradient vanishes.
    // (Averaged over the window: one batch's scores are noisy, a record now and then is no recovery.)
    if (probabilities && std::isfinite(m.d_real) && std::isfinite(m.d_fake)) {
        keep(m_d_real, m.step, m.d_real);
        m_window.push_back({m.step, m.d_real, m.d_fake});
        while (m_window.size() > 1 && m.step - m_window[1].step >= m_t.d_wins_steps) m_window.pop_front();
        double real = 0, fake = 0;
        for (const Scores& s : m_window) real += s.d_real, fake += s.d_fake;
        real /= double(m_window.size());
        fake /= double(m_window.size());
        const bool covered = m.step - m_window.front().step >= m_t.d_wins_steps;
        const bool wins = covered && real > m_t.d_real_high && fake < m_t.d_fake_low;
        if (real < 0.95 || fake > 0.05) m_d_wins = false;  // D clearly no longer wins: a later win is news again
        if (wins && !m_d_wins) {
            m_d_wins = true;
            out.push_back({"divergence", m.step,
                           "divergence: D(x) " + number(real, "%.3f") + " and D(G(z)) " + number(fake, "%.3f") +
                               " on average since step " + std::to_string(m_window.front().step) +
                               ": the discriminator wins completely and the generator learns nothing; lower the "
                               "learning rates, or D's, or add --r1 / --diffaug",
                           "d_real", tail(m_d_real)});
        }
    }
    // Quality: the figure the field compares runs by when the run logs it. Both metrics fall and rise together
    // when a run breaks, so reading both would report one event twice; and a run whose FID still improves is
    // learning even when its swd has flattened out.
    if (std::isfinite(m.fid)) {
        m_has_fid = true;
        watch_quality(m_fid, m.step, m.fid, out);
    } else if (std::isfinite(m.swd) && !m_has_fid) {
        watch_quality(m_swd, m.step, m.swd, out);
    }
    return out;
}

void AlertDetector::watch_quality(QualityWatch& w, int64_t step, double value, std::vector<Alert>& out) {
    // Rising for several evaluations (divergence), or no better for many (stall). Lower is better.
    keep(w.curve, step, value);
    if (w.curve.size() == 1 || value < w.best * (1 - m_t.stall_gain)) {
        w.best = value;
        w.since_best = 0;
        w.stalled = false;
    } else {
        ++w.since_best;
    }
    w.rising = value >= m_t.rising_factor * w.best ? w.rising + 1 : 0;
    if (w.rising == 0) w.rising_raised = false;  // back near its best: a later climb is news again
    if (w.rising >= m_t.rising_evaluations && !w.rising_raised) {
        w.rising_raised = true;
        out.push_back({"divergence", step,
                       "divergence: " + w.name + " is " + number(value) + ", " + number(value / w.best, "%.1f") +
                           "x its best (" + number(w.best) + "), for " + std::to_string(w.rising) +
                           " evaluations; revert to an earlier checkpoint (--resume --from) or lower the learning rate",
                       w.name, tail(w.curve)});
    }
    if (w.since_best >= m_t.stall_evaluations && !w.stalled) {
        w.stalled = true;
        out.push_back({"stall", step,
                       "stall: " + w.name + " has not improved on its best (" + number(w.best) + ") by " +
                           number(100 * m_t.stall_gain, "%.0f") + " % in " + std::to_string(w.since_best) +
                           " evaluations; the run may have converged, or needs a lower learning rate",
                       w.name, tail(w.curve)});
    }
}

}  // namespace ganscope
