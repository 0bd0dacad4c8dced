// RunServer's event stream, GET /api/events (see run_server.h). Server threads.
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "viewer/serve/http_text.h"
#include "viewer/serve/run_server.h"

namespace ganscope {

// Server-sent events: status every step it changes (at most 10 a second), new metric records, and notices of
// new grids and snapshots. Each stream reads the latest-wins slots itself: a slow client falls behind only
// itself, and what it missed is replaced by what is newest, never queued.
void RunServer::serve_events(const httplib::Request&, httplib::Response& res) {
    using Clock = std::chrono::steady_clock;
    if (++m_streams > m_options.max_clients) {
        --m_streams;
        res.set_header("Retry-After", "5");
        return send_error(
            res, 503,
            "too many watchers: " + std::to_string(m_options.max_clients) + " event streams are open; try again later");
    }
    struct Stream {
        uint64_t status = ~0ull, grid = ~0ull, weights = ~0ull;
        int64_t last_step = -2;
        int64_t alerts_said = -1;  // -1: not yet read (the stream starts after the alerts raised so far)
        Clock::time_point last_write = Clock::now();
    };
    auto stream = std::make_shared<Stream>();
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, stream](size_t, httplib::DataSink& sink) {
            if (m_stopping) {
                sink.done();
                return false;
            }
            // An exception here would escape the server's thread and end the process: end the stream instead.
            std::string out;
            try {
                if (const uint64_t g = m_source.status().generation(); g != stream->status) {
                    stream->status = g;
                    out += record_event("status", status_json());
                    // Each alert raised since the stream opened, once, as an event of its own.
                    if (const auto s = m_source.status().latest()) {
                        if (stream->alerts_said < 0) stream->alerts_said = s->alerts_raised;
                        const int64_t fresh =
                            std::min<int64_t>(s->alerts_raised - stream->alerts_said, int64_t(s->alerts.size()));
                        for (int64_t i = int64_t(s->alerts.size()) - fresh; i < int64_t(s->alerts.size()); ++i)
                            out += record_event("alert", json_text(s->alerts[size_t(i)].to_json()));
                        stream->alerts_said = s->alerts_raised;
                    }
                }
                if (stream->last_step == -2) {
                    stream->last_step = -1;
                    const auto have = m_source.metrics_since(-1);  // the stream starts at the newest record
                    if (!have.empty()) stream->last_step = have.back().step;
                } else {
                    for (const StepMetrics& m : m_source.metrics_since(stream->last_step)) {
                        out += record_event("metrics", json_text(m.to_json()));
                        stream->last_step = m.step;
                    }
                }
                if (const uint64_t g = m_source.samples().generation(); g != stream->grid) {
                    stream->grid = g;
                    if (auto grid = m_source.samples().latest())
                        out += record_event("grid", json_text(nlohmann::json{{"step", grid->step}}));
                }
                if (const uint64_t g = m_source.weights().generation(); g != stream->weights) {
                    stream->weights = g;
                    if (auto w = m_source.weights().latest())
                        out += record_event("snapshot", json_text(nlohmann::json{{"step", w->step}}));
                }
            } catch (const std::exception&) {
                sink.done();
                return false;
            }
            if (out.empty() && Clock::now() - stream->last_write > std::chrono::seconds(15)) out = ": keep-alive\n\n";
            if (!out.empty()) {
                if (!sink.write(out.data(), out.size())) return false;  // gone, or stalled past the timeout
                stream->last_write = Clock::now();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return true;
        },
        [this](bool) { --m_streams; });
}

}  // namespace ganscope
