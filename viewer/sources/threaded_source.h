// The shape of a run source that reads its run on a thread of its own (a followed folder, an opened checkpoint, a
// served run): the slots it publishes into, the metric records it keeps, and that thread's start, pauses and stop.
// GL thread: the RunSource calls and close(); the source's thread: the body given to start().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ml/run/metrics.h"
#include "viewer/sources/run_source.h"

namespace ganscope {

class ThreadedSource : public RunSource {
public:
    ~ThreadedSource() override;  // joins the thread if the derived class has not (its destructor should: close())

    const LatestSlot<TrainerStatus>& status() const final { return m_status; }
    const LatestSlot<SampleGrid>& samples() const final { return m_samples; }
    const LatestSlot<WeightsSnapshot>& weights() const final { return m_weights; }
    std::vector<StepMetrics> metrics_since(int64_t after_step) const final;
    void close() override;  // asks the thread to stop, and joins it

protected:
    // Runs `body` on the source's thread; called once, last in the derived constructor.
    void start(std::function<void()> body);
    // On the source's thread: waits `seconds`, or less when close() is called; false when the source is closing.
    bool pause_for(double seconds);

    LatestSlot<TrainerStatus> m_status;
    LatestSlot<SampleGrid> m_samples;
    LatestSlot<WeightsSnapshot> m_weights;
    mutable std::mutex m_mutex;  // guards m_metrics, and what a derived class shares between its two threads
    MetricsHistory m_metrics;

private:
    std::condition_variable m_cv;
    bool m_quit = false;  // under m_mutex
    std::thread m_thread;
};

}  // namespace ganscope
