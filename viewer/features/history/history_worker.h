// Renders latents with the generator of any history snapshot, off the GL thread: its own thread owns a
// HistoryScrubber (one generator loaded at a time), re-lists the run's snapshots now and then, and answers
// the newest request only (latest wins). The GL thread calls the public methods.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/run/history.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct HistoryImages {
    uint64_t request = 0;
    int64_t step = -1;        // the snapshot's step
    torch::Tensor grid;       // N x 3 x H x W in [-1, 1], CPU: the grid latents
    torch::Tensor explorer;   // 1 x 3 x H x W, CPU; undefined when no explorer latent was sent
};

class HistoryWorker {
public:
    explicit HistoryWorker(std::string run_dir);
    ~HistoryWorker();
    HistoryWorker(const HistoryWorker&) = delete;
    HistoryWorker& operator=(const HistoryWorker&) = delete;

    // Render `grid` (N x L) and `explorer` (L, may be undefined) with the snapshot nearest `step` at or
    // before it. Replaces a request not yet started; returns its id.
    uint64_t request(int64_t step, torch::Tensor grid, torch::Tensor explorer);
    const LatestSlot<HistoryImages>& result() const { return m_result; }
    // The snapshots as last listed (every second or so, and before each render).
    const LatestSlot<std::vector<HistoryEntry>>& entries() const { return m_entries; }
    std::string error() const;
    const std::string& run_dir() const { return m_run_dir; }

private:
    struct Pending {
        uint64_t id = 0;
        int64_t step = 0;
        torch::Tensor grid, explorer;
        bool dirty = false;
        bool empty() const { return !dirty; }
    };
    void work(Pending& taken);  // the worker's thread: also every second without requests, to list new snapshots

    std::string m_run_dir;
    uint64_t m_next_id = 0;                    // under the loop's lock (post)
    std::unique_ptr<HistoryScrubber> m_scrubber;  // the worker thread's own
    std::vector<int64_t> m_listed;             // the worker thread's own: steps last published in m_entries
    LatestSlot<HistoryImages> m_result;
    LatestSlot<std::vector<HistoryEntry>> m_entries;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
