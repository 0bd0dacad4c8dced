// GridReadWorker (see grid_read_worker.h): PNG reads on the worker's thread.
#include "viewer/features/compare/grid_read_worker.h"

#include <utility>

#include "ml/formats/safe_text.h"

namespace ganscope {

GridReadWorker::GridReadWorker(Read read) : m_read(std::move(read)), m_loop([this](Pending& taken) { work(taken); }) {}

GridReadWorker::~GridReadWorker() = default;  // the loop (last member) joins first

void GridReadWorker::request(GridRead read) {
    m_loop.post([&](Pending& p) { p.reads[read.run] = std::move(read); });
}

std::vector<GridReadResult> GridReadWorker::take() {
    std::lock_guard<std::mutex> lock(m_done_mutex);
    return std::exchange(m_done, {});
}

void GridReadWorker::work(Pending& taken) {
    for (auto& [run, read] : taken.reads) {
        GridReadResult out;
        out.run = run;
        out.step = read.step;
        try {
            out.grid = std::make_shared<const SampleGrid>(m_read(read));
        } catch (const std::exception& e) {
            out.error = one_line(e.what());
        }
        std::lock_guard<std::mutex> lock(m_done_mutex);
        m_done.push_back(std::move(out));
    }
}

}  // namespace ganscope
