// HistoryWorker (see history_worker.h): the worker thread and the GL-thread side of its queue.
#include "viewer/workers/history_worker.h"

#include <chrono>

namespace ganscope {

HistoryWorker::HistoryWorker(std::string run_dir) : m_run_dir(std::move(run_dir)) {
    m_thread = std::thread([this] { thread_main(); });
}

HistoryWorker::~HistoryWorker() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

uint64_t HistoryWorker::request(int64_t step, torch::Tensor grid, torch::Tensor explorer) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending = {++m_next_id, step, std::move(grid), std::move(explorer), true};
    m_cv.notify_all();
    return m_next_id;
}

std::string HistoryWorker::error() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

void HistoryWorker::thread_main() {
    // CPU inference: the training device stays the trainer's; a 64 px DCGAN renders a grid in milliseconds.
    HistoryScrubber scrubber(m_run_dir, torch::kCPU);
    std::vector<int64_t> listed;
    auto publish_entries = [&] {
        std::vector<int64_t> steps;
        for (const auto& e : scrubber.entries()) steps.push_back(e.step);
        if (steps != listed) {
            listed = steps;
            m_entries.publish(scrubber.entries());
        }
    };
    for (;;) {
        Request job;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            // Wake for a request, or once a second to see new snapshots (the run is still writing them).
            m_cv.wait_for(lock, std::chrono::seconds(1), [&] { return m_quit || m_pending.dirty; });
            if (m_quit) return;
            if (m_pending.dirty) {
                job = m_pending;
                m_pending.dirty = false;
            }
        }
        try {
            scrubber.refresh();
            publish_entries();
            if (!job.dirty) continue;
            if (scrubber.entries().empty())
                throw std::runtime_error("no snapshots in " + history_dir(m_run_dir) + " yet");
            torch::NoGradGuard no_grad;
            const size_t index = scrubber.index_at_step(job.step);
            HistoryImages out;
            out.request = job.id;
            out.step = scrubber.entries()[index].step;
            if (job.grid.defined()) out.grid = scrubber.render(index, job.grid).cpu();
            if (job.explorer.defined()) out.explorer = scrubber.render(index, job.explorer.reshape({1, -1})).cpu();
            m_result.publish(std::move(out));
            std::lock_guard<std::mutex> lock(m_mutex);
            m_error.clear();
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_error = e.what();
        }
    }
}

}  // namespace ganscope
