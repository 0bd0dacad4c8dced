// The one shape of work off the GL thread: callers post requests into a pending value (latest wins: a newer
// request replaces one not yet taken), the worker's thread takes all that is pending, works on it without the
// lock, and keeps the error of a failed pass for error(). Any thread posts; the work runs on the loop's thread.
//
// Declare the loop as the owner's last member: members are destroyed in reverse order, so the thread is stopped
// and joined before anything its work function uses goes away.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace ganscope {

// Pending: a value type with `bool empty() const` (nothing to do) whose default value is empty.
template <class Pending>
class WorkerLoop {
public:
    using Work = std::function<void(Pending& taken)>;
    // `work` runs on the thread with what was pending (the pending value is then empty again); an exception it
    // throws becomes error(), a pass with requests that returns clears it. `tick`: also run (with an empty value) after this
    // long without requests, for work that polls (new files). `setup` runs first on the thread; what it returns
    // lives as long as the thread (a CUDA stream guard, say).
    explicit WorkerLoop(Work work, std::optional<std::chrono::milliseconds> tick = std::nullopt,
                        std::function<std::shared_ptr<void>()> setup = {})
        : m_work(std::move(work)), m_tick(tick), m_setup(std::move(setup)) {
        m_thread = std::thread([this] { thread_main(); });
    }
    ~WorkerLoop() { stop(); }
    WorkerLoop(const WorkerLoop&) = delete;
    WorkerLoop& operator=(const WorkerLoop&) = delete;

    // Changes the pending value under the lock, then wakes the thread. Returns what `change` returns.
    template <class F>
    auto post(F&& change) {
        std::unique_lock<std::mutex> lock(m_mutex);
        if constexpr (std::is_void_v<decltype(change(m_pending))>) {
            change(m_pending);
            lock.unlock();
            m_cv.notify_all();
        } else {
            auto result = change(m_pending);
            lock.unlock();
            m_cv.notify_all();
            return result;
        }
    }

    // The last pass's error, one line; empty when it succeeded.
    std::string error() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_error;
    }

    // Ends the thread after the pass in progress; pending requests are dropped. Safe to call twice.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_quit = true;
        }
        m_cv.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }

private:
    void thread_main() {
        std::shared_ptr<void> context = m_setup ? m_setup() : nullptr;
        for (;;) {
            Pending taken{};
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                auto ready = [&] { return m_quit || !m_pending.empty(); };
                if (m_tick) m_cv.wait_for(lock, *m_tick, ready);
                else m_cv.wait(lock, ready);
                if (m_quit) return;
                std::swap(taken, m_pending);
            }
            const bool tick_only = taken.empty();
            std::string error;
            try {
                m_work(taken);
            } catch (const std::exception& e) {
                error = e.what();
            }
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!error.empty() || !tick_only) m_error = std::move(error);  // a quiet tick keeps a request's error
        }
    }

    Work m_work;
    std::optional<std::chrono::milliseconds> m_tick;
    std::function<std::shared_ptr<void>()> m_setup;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_quit = false;
    Pending m_pending{};
    std::string m_error;
    std::thread m_thread;  // last: starts once everything above exists
};

}  // namespace ganscope
