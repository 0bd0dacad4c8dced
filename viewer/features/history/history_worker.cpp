// HistoryWorker (see history_worker.h): the worker thread and the GL-thread side of its queue.
#include "viewer/features/history/history_worker.h"

#include <chrono>

namespace ganscope {

HistoryWorker::HistoryWorker(std::string run_dir)
    : m_run_dir(std::move(run_dir)),
      m_loop([this](Pending& taken) { work(taken); }, std::chrono::milliseconds(1000)) {}

HistoryWorker::~HistoryWorker() = default;  // the loop (last member) joins first

uint64_t HistoryWorker::request(int64_t step, torch::Tensor grid, torch::Tensor explorer) {
    return m_loop.post([&](Pending& p) {
        p = {++m_next_id, step, std::move(grid), std::move(explorer), true};
        return p.id;
    });
}

std::string HistoryWorker::error() const { return m_loop.error(); }

void HistoryWorker::work(Pending& job) {
    // CPU inference: the training device stays the trainer's; a 64 px DCGAN renders a grid in milliseconds.
    if (!m_scrubber) m_scrubber = std::make_unique<HistoryScrubber>(m_run_dir, torch::kCPU);
    HistoryScrubber& scrubber = *m_scrubber;
    scrubber.refresh();  // the run may still be writing snapshots
    std::vector<int64_t> steps;
    for (const auto& e : scrubber.entries()) steps.push_back(e.step);
    if (steps != m_listed) {
        m_listed = steps;
        m_entries.publish(scrubber.entries());
    }
    if (!job.dirty) return;
    if (scrubber.entries().empty()) throw std::runtime_error("no snapshots in " + history_dir(m_run_dir) + " yet");
    torch::NoGradGuard no_grad;
    const size_t index = scrubber.index_at_step(job.step);
    HistoryImages out;
    out.request = job.id;
    out.step = scrubber.entries()[index].step;
    if (job.grid.defined()) out.grid = scrubber.render(index, job.grid).cpu();
    if (job.explorer.defined()) out.explorer = scrubber.render(index, job.explorer.reshape({1, -1})).cpu();
    m_result.publish(std::move(out));
}

}  // namespace ganscope
