// Frame-time statistics (see frame_stats.h). GL thread only.
#include "viewer/widgets/frame_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace ganscope {

FrameSummary summarize_frames(std::vector<double> ms) {
    FrameSummary s;
    s.frames = ms.size();
    if (ms.empty()) return s;
    std::sort(ms.begin(), ms.end());
    size_t n = ms.size();
    s.median_ms = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
    s.p95_ms = ms[std::min(n - 1, size_t(std::ceil(0.95 * double(n))) - 1)];
    s.max_ms = ms.back();
    s.mean_ms = std::accumulate(ms.begin(), ms.end(), 0.0) / double(n);
    return s;
}

void FrameStats::add(double ms) {
    if (m_recent.size() >= m_recent_cap) m_recent.erase(m_recent.begin());
    m_recent.push_back(ms);
    if (m_all.size() < m_total_cap) m_all.push_back(ms);
}

void FrameStats::add_busy(double ms) {
    if (m_busy.size() < m_total_cap) m_busy.push_back(ms);
}

void FrameStats::add_drawn(double fraction) {
    if (m_recent_drawn.size() >= m_recent_cap) m_recent_drawn.erase(m_recent_drawn.begin());
    m_recent_drawn.push_back(fraction);
    m_drawn_sum += fraction;
    ++m_drawn_count;
}

double FrameStats::drawn_fraction() const {
    if (m_recent_drawn.empty()) return 0;
    return std::accumulate(m_recent_drawn.begin(), m_recent_drawn.end(), 0.0) / double(m_recent_drawn.size());
}

std::string FrameStats::report() const {
    FrameSummary s = summary(), b = busy_summary();
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "frames %zu: median %.1f ms, p95 %.1f ms, max %.1f ms (mean %.1f ms); busy median %.1f ms, p95 "
                  "%.1f ms; drew %.0f%% of the pixels per frame on average",
                  s.frames, s.median_ms, s.p95_ms, s.max_ms, s.mean_ms, b.median_ms, b.p95_ms,
                  100.0 * drawn_fraction_all());
    return buf;
}

}  // namespace ganscope
