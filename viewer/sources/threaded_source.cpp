// The thread, slots and records of a source that reads on its own thread (threaded_source.h).
#include "viewer/sources/threaded_source.h"

#include <chrono>

#include "viewer/sources/run_files.h"

namespace ganscope {

ThreadedSource::~ThreadedSource() { ThreadedSource::close(); }

std::vector<StepMetrics> ThreadedSource::metrics_since(int64_t after_step) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return records_after(m_metrics.records(), after_step);
}

void ThreadedSource::close() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void ThreadedSource::start(std::function<void()> body) { m_thread = std::thread(std::move(body)); }

bool ThreadedSource::pause_for(double seconds) {
    std::unique_lock<std::mutex> lock(m_mutex);
    return !m_cv.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return m_quit; });
}

}  // namespace ganscope
