// Frame-time statistics (see frame_stats.h). GL thread only.
#include "viewer/frame_stats.h"

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

std::string FrameStats::report() const {
    FrameSummary s = summary();
    char buf[160];
    std::snprintf(buf, sizeof buf, "frames %zu: median %.1f ms, p95 %.1f ms, max %.1f ms (mean %.1f ms)", s.frames,
                  s.median_ms, s.p95_ms, s.max_ms, s.mean_ms);
    return buf;
}

}  // namespace ganscope
