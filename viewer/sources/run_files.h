// Reading what a run folder holds while another process may still be writing it: metrics.jsonl line by line as
// lines complete, the newest sample grid, the fixed latents. Any one thread per object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ml/config.h"
#include "ml/run/metrics.h"
#include "ml/train/trainer.h"

namespace ganscope {

// Follows a JSON-lines file that grows: each poll() returns the records of the lines completed since the last
// one. A last line without its newline is left for a later poll (a writer may be half-way through it); a line
// that is complete but unreadable is counted and skipped. A file that shrank (rewritten) is read again from
// its start, and `restarted` says so.
class MetricsTail {
public:
    explicit MetricsTail(std::string path) : m_path(std::move(path)) {}
    std::vector<StepMetrics> poll();
    size_t bad_lines() const { return m_bad; }
    bool restarted() const { return m_restarted; }

private:
    std::string m_path;
    uint64_t m_offset = 0;
    std::string m_partial;  // bytes of a line not yet complete
    size_t m_bad = 0;
    bool m_restarted = false;
};

// A whole metrics.jsonl, at once (an opened checkpoint's run). Unreadable lines are counted in `bad`.
void read_metrics_file(const std::string& path, MetricsHistory& into, size_t& bad);
// The records after `after_step` (all of them for -1), in order.
std::vector<StepMetrics> records_after(const std::vector<StepMetrics>& records, int64_t after_step);

// Where the window puts what a user makes of a run (screenshots, recordings), as an absolute path: the run's folder
// when it has one that this process may write into, else ~/ganscope (made when missing). Never the current
// directory, which scripts/run makes the source checkout.
std::string output_folder(const std::string& run_dir);

// What a status read from a run's files lacks, from its newest record (status.last) and its config: the learning
// rates the logged step trained with, the step time (from that record's images/s and the batch) and the ETA.
void describe_progress(TrainerStatus& status);

// Cells as the window shows them: assembled here (any thread) with the display layout (ml/data/tensor_image.h).
SampleGrid display_grid(const torch::Tensor& images, const TrainConfig& config, int64_t step,
                        const torch::Tensor& latents);

// The newest samples/step_*.png of a run: its path and step; nullopt when there is none.
struct SampleFile {
    std::string path;
    int64_t step = 0;
};
std::optional<SampleFile> newest_sample(const std::string& run_dir);
// Every samples/step_*.png of a run (the grids it kept), oldest first; empty when it has none.
std::vector<SampleFile> list_samples(const std::string& run_dir);
// The cells of a grid PNG that the trainer wrote (make_grid, `padding` gutters), as N x 3 x cell x cell in
// [-1, 1]. `count` cells (0: every cell but trailing blank ones). Throws naming the file if it does not fit.
torch::Tensor cells_of_grid_png(const std::string& path, int cell, int padding, int64_t count);

}  // namespace ganscope
