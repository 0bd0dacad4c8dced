// A run watching itself: detectors of mode collapse, divergence and stalls over the figures the trainer logs,
// each raising an alert once (until what it saw clears), with the curve segment that shows it. Thresholds are
// constants chosen from measured runs (docs/alerts.md). Torch-free; the trainer thread owns one.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ml/run/metrics.h"

namespace ganscope {

struct Alert {
    std::string kind;     // "collapse", "divergence", "stall" or "copying"
    int64_t step = 0;     // when it was raised
    std::string message;  // one line: what was seen, since when, in numbers
    std::string series;   // the curve the evidence is of: "diversity", "d_real", "swd", "loss_g", ...
    std::vector<std::pair<int64_t, double>> evidence;  // that curve's segment (step, value) showing it

    nlohmann::json to_json() const;
    static Alert from_json(const nlohmann::json& j);  // throws nlohmann::json::exception for a malformed record
};

// The numbers the detectors compare against; docs/alerts.md gives the runs they come from.
struct AlertThresholds {
    // Collapse: the fixed-latent samples' diversity (mean pairwise distance at 16x16 over a real batch's) falls
    // below `collapse_diversity` of the data's and below `collapse_fraction` of its own best, and stays there for
    // `collapse_steps` (at least `collapse_checks` measurements). A fresh generator draws nearly one image
    // (diversity 0.003 at step 5), so the detector arms only once the diversity has reached `armed_diversity`: a
    // generator that never learns to vary is a divergence or a stall, not a collapse.
    double collapse_diversity = 0.5;
    double collapse_fraction = 0.5;
    double armed_diversity = 0.4;
    int64_t collapse_steps = 200;
    int collapse_checks = 3;
    // Divergence: D(x) above and D(G(z)) below these (probabilities) on average over the records of the last
    // `d_wins_steps` steps; a non-finite loss; or the quality metric at `rising_factor` x its best or worse for
    // `rising_evaluations` evaluations in a row.
    double d_real_high = 0.99, d_fake_low = 0.01;
    int64_t d_wins_steps = 300;
    int rising_evaluations = 2;
    double rising_factor = 1.5;
    // Stall: no evaluation improving the best quality by `stall_gain` (relative) for this many evaluations.
    int stall_evaluations = 8;
    double stall_gain = 0.02;
    // Copying: the share of fixed-latent samples within `copying_near` of the distance training images keep from
    // each other (the copying score, ml/metrics/nearest.h, counts those within all of it: about 0.5 for samples like
    // the data, but also 1 for rough approximations of a few very different images) at `copying_share` or above for
    // `copying_checks` grids in a row spanning `copying_steps`, each with a diversity of at least `armed_diversity`
    // (a blur is near every training image without copying one); cleared below `copying_clear`.
    double copying_near = 0.5;
    double copying_share = 0.9;
    int copying_checks = 3;
    int64_t copying_steps = 200;
    double copying_clear = 0.7;
};

class AlertDetector {
public:
    explicit AlertDetector(AlertThresholds thresholds = {}) : m_t(thresholds) {}

    // A logged record (losses, D's scores, the quality metric when it carries one). `probabilities`: D's scores
    // are probabilities (the BCE objective), so "D wins completely" has a meaning. The quality rules (climbing,
    // stall) read `fid` once the run has logged one (--fid-every), `swd` until then (docs/alerts.md says why).
    std::vector<Alert> on_metrics(const StepMetrics& m, bool probabilities);
    // A diversity measurement of the fixed-latent samples (their spread over a real batch's; 1 is the real set's).
    std::vector<Alert> on_diversity(int64_t step, double diversity);
    // A copying score of the fixed-latent samples (the share nearer a training image than the data's own typical
    // nearest-neighbour distance), and the share within copying_near of that distance.
    std::vector<Alert> on_copying(int64_t step, double copying, double near_share);
    const AlertThresholds& thresholds() const { return m_t; }

private:
    AlertThresholds m_t;
    // Recent history, enough for each detector's evidence.
    std::deque<std::pair<int64_t, double>> m_diversity, m_d_real, m_copying;
    int m_copying_checks = 0;
    int64_t m_copying_since = -1;
    bool m_copying_raised = false;
    double m_best_diversity = 0;
    int m_low_diversity = 0;
    int64_t m_low_since = -1;
    struct Scores {
        int64_t step;
        double d_real, d_fake;
    };
    std::deque<Scores> m_window;  // the records of the last d_wins_steps steps
    // One quality metric's climbing and stall rules (lower is better).
    struct QualityWatch {
        explicit QualityWatch(std::string metric) : name(std::move(metric)) {}
        std::string name;  // "swd" or "fid": the series and the messages name it
        std::deque<std::pair<int64_t, double>> curve;
        double best = 0;
        int rising = 0, since_best = 0;
        bool rising_raised = false, stalled = false;
    };
    void watch_quality(QualityWatch& w, int64_t step, double value, std::vector<Alert>& out);
    QualityWatch m_swd{"swd"}, m_fid{"fid"};
    bool m_has_fid = false;  // an FID has been logged: the quality rules read it from then on
    bool m_collapsed = false, m_d_wins = false, m_nonfinite = false;
};

// One line for a terminal: "alert (collapse) at step 1200: ...".
std::string alert_line(const Alert& a);

// The records of a run's alerts.jsonl, oldest first (lines that do not parse, such as one being written, are
// skipped); none when there is no file.
std::vector<Alert> read_alerts_file(const std::string& path);

// Runs `command` through the shell with the alert's JSON on its standard input, on a thread of its own (a slow or
// hung command never holds training up); a failure to start or a non-zero exit is one line on stderr.
void run_alert_command(const std::string& command, const Alert& alert);

}  // namespace ganscope
