// Renders latents with the generator of any history snapshot, off the GL thread: its own thread owns a
// HistoryScrubber (one generator loaded at a time), re-lists the run's snapshots now and then, and answers
// the newest request only (latest wins). The GL thread calls the public methods.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "ml/history.h"
#include "ml/slot.h"

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
    void thread_main();

    std::string m_run_dir;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_quit = false;
    struct Request {
        uint64_t id = 0;
        int64_t step = 0;
        torch::Tensor grid, explorer;
        bool dirty = false;
    } m_pending;
    uint64_t m_next_id = 0;
    std::string m_error;
    LatestSlot<HistoryImages> m_result;
    LatestSlot<std::vector<HistoryEntry>> m_entries;
    std::thread m_thread;  // last: starts after everything above exists
};

}  // namespace ganscope
