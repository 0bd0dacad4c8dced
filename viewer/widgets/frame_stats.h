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
    void add(double ms);                 // the time since the previous frame began
    void add_busy(double ms);            // the time the frame itself took (the rest of its interval is sleep)
    void add_drawn(double fraction);     // the share of the window's pixels it drew (damage.h)
    const std::vector<double>& recent() const { return m_recent; }  // oldest first
    FrameSummary summary() const { return summarize_frames(m_all); }
    FrameSummary busy_summary() const { return summarize_frames(m_busy); }
    double drawn_fraction() const;       // mean over the recent frames
    double drawn_fraction_all() const { return m_drawn_count ? m_drawn_sum / double(m_drawn_count) : 0.0; }
    // "frames 1234: median 16.7 ms, p95 18.1 ms, max 40.2 ms (mean 17.0 ms); busy median 3.1 ms; drew 12% ..."
    std::string report() const;

private:
    size_t m_recent_cap, m_total_cap;
    std::vector<double> m_recent;
    std::vector<double> m_all;  // capped: one sample per frame for about 4.8 hours at 60 FPS
    std::vector<double> m_busy;  // capped as m_all
    std::vector<double> m_recent_drawn;
    double m_drawn_sum = 0;
    size_t m_drawn_count = 0;
};

}  // namespace ganscope
