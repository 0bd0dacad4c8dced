// Frame-time statistics: a bounded ring of recent frame times for the Performance panel, and a summary
// (median, p95, max) printed when the window closes. GL thread only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ganscope {

struct FrameSummary {
    size_t frames = 0;
    double median_ms = 0, p95_ms = 0, max_ms = 0, mean_ms = 0;
};

// Median, p95 (nearest rank) and max of the given frame times.
FrameSummary summarize_frames(std::vector<double> ms);

class FrameStats {
public:
    explicit FrameStats(size_t recent = 600, size_t total_cap = 1 << 20) : m_recent_cap(recent), m_total_cap(total_cap) {}
    void add(double ms);
    const std::vector<double>& recent() const { return m_recent; }  // oldest first
    FrameSummary summary() const { return summarize_frames(m_all); }
    std::string report() const;  // "frames 1234: median 16.7 ms, p95 18.1 ms, max 40.2 ms"

private:
    size_t m_recent_cap, m_total_cap;
    std::vector<double> m_recent;
    std::vector<double> m_all;  // capped: one sample per frame for about 4.8 hours at 60 FPS
};

}  // namespace ganscope
