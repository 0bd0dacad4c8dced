// Training metrics: one record per logged step, a bounded history for curves, and JSON Lines output.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ganscope {

struct StepMetrics {
    int64_t step = 0;
    int64_t epoch = 0;
    // loss_d, d_real and d_fake are NaN for a model without a discriminator, and then left out of the JSON.
    double loss_g = 0, loss_d = 0;
    double d_real = 0, d_fake = 0;  // mean D(x) and D(G(z)) as probabilities
    double loss_aux = std::numeric_limits<double>::quiet_NaN();  // pix2pix: L1 (or CE); NaN when unused
    double loss_gan = std::numeric_limits<double>::quiet_NaN();  // pix2pix: loss_g's adversarial term; NaN when unused
    double images_per_sec = 0;
    double seconds = 0;  // wall time since the run started (this process)
    // Quality, on the steps where it was evaluated; NaN (not written) elsewhere.
    double swd = std::numeric_limits<double>::quiet_NaN();          // "swd": mean over levels, x 1e3
    std::vector<std::pair<int, double>> swd_levels;                  // "swd_16", "swd_32", ...
    double val_l1 = std::numeric_limits<double>::quiet_NaN();       // "val_l1": pix2pix validation pairs
    double swd_seconds = std::numeric_limits<double>::quiet_NaN();  // "swd_seconds": what it cost
    // "diversity": the fixed-latent samples' spread over a real batch's (1: as varied as the data), on the steps
    // whose grid was measured (ml/train/quality.h image_spread); the collapse detector's input.
    double diversity = std::numeric_limits<double>::quiet_NaN();
    // "copying": the share of those samples nearer a training image than training images are to each other
    // (ml/metrics/nearest.h; about 0.5 for samples like the data, 1 for copies), on the same steps.
    double copying = std::numeric_limits<double>::quiet_NaN();
    // "fid", "kid" (its mean over subsets) and "fid_seconds" on the steps where they were evaluated (--fid-every).
    double fid = std::numeric_limits<double>::quiet_NaN();
    double kid = std::numeric_limits<double>::quiet_NaN();
    double fid_seconds = std::numeric_limits<double>::quiet_NaN();
    // The learning rates the logged step trained with (after the schedule); NaN when unknown.
    double lr_g = std::numeric_limits<double>::quiet_NaN();
    double lr_d = std::numeric_limits<double>::quiet_NaN();

    nlohmann::json to_json() const;
    static StepMetrics from_json(const nlohmann::json& j);
};

// The losses of a record as the progress line, the Training panel and video captions show them: only what the
// model has, e.g. "G 5.893 (GAN 0.693, L1 0.052)  D 0.701  D(x) 0.52  D(G(z)) 0.47", or "G 3.210" for seed 004.
std::string describe_losses(const StepMetrics& m);

// On resume: keeps the records of metrics.jsonl up to `step` (later ones belong to steps that will be trained
// again; lines cut short by a kill are dropped) by writing path.partial, syncing and renaming it over path,
// so a kill or a full disk at any moment leaves the whole old file. Returns the kept records; throws
// std::runtime_error naming the file (the old one kept) when it cannot be written. No file: nothing kept.
std::vector<StepMetrics> rewrite_metrics_up_to(const std::string& path, int64_t step);

// Bounded history: when full, every other record is dropped (records carrying a quality figure stay), so memory
// stays flat while the whole run stays visible at a coarser resolution. Not thread-safe; the trainer copies it out under its own lock.
class MetricsHistory {
public:
    explicit MetricsHistory(size_t capacity = 8192) : m_capacity(capacity < 16 ? 16 : capacity) {}
    void push(const StepMetrics& m);
    const std::vector<StepMetrics>& records() const { return m_records; }
    size_t capacity() const { return m_capacity; }
    int64_t stride() const { return m_stride; }

private:
    size_t m_capacity;
    int64_t m_stride = 1;  // only every m_stride-th pushed record is kept
    int64_t m_pushed = 0;
    std::vector<StepMetrics> m_records;
};

}  // namespace ganscope
