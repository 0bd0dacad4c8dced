// `ganscope watch http://HOST:PORT`: a run served by another process (`--serve`), followed over HTTP. The status,
// new metric records, the grid and the generator snapshot are polled on the source's own thread; a dropped
// connection says "disconnected, retrying" and keeps what was received; a snapshot cut off mid-transfer is never
// loaded. Commands are sent with the token, or refused here without one. GL thread (reads), poll thread.
#include "viewer/sources/remote_source.h"

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "ml/run/history.h"
#include "ml/data/image.h"
#include "ml/models/latent.h"
#include "ml/data/tensor_image.h"
#include "viewer/sources/png_bytes.h"
#include "viewer/sources/command_json.h"
#include "viewer/sources/run_files.h"
#include "viewer/sources/threaded_source.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TrainerState state_from(const std::string& s) {
    if (s == "running") return TrainerState::Running;
    if (s == "paused") return TrainerState::Paused;
    if (s == "finished") return TrainerState::Finished;
    if (s == "failed") return TrainerState::Failed;
    return TrainerState::Starting;
}

// Where the server is and how to knock: a value, so what it makes (dataset pages, translations) outlives the source.
struct ServerAddress {
    std::string url, host, token;
    int port = 0;

    httplib::Client client(int read_seconds) const {
        httplib::Client c(host, port);
        c.set_connection_timeout(2, 0);
        c.set_read_timeout(read_seconds, 0);
        return c;
    }
    httplib::Headers headers() const {
        if (token.empty()) return {};
        return {{"Authorization", "Bearer " + token}};
    }
    // One line for a failed request: the connection's error, or the server's {"error": ...}.
    std::string problem(const httplib::Result& r, const std::string& what) const {
        if (!r) return url + ": not reachable (" + httplib::to_string(r.error()) + ")";
        try {
            return url + " " + what + ": " +
                   nlohmann::json::parse(r->body).value("error", "HTTP " + std::to_string(r->status));
        } catch (const std::exception&) {
            return url + " " + what + ": HTTP " + std::to_string(r->status);
        }
    }
};

// Dataset pages from the server (GET /api/dataset): the counts once, then each page as a PNG.
class RemoteDatasetPages final : public DatasetPages {
public:
    explicit RemoteDatasetPages(ServerAddress server) : m_server(std::move(server)) {}

    DatasetPage page(int page, int per_page, int columns) override {
        httplib::Client c = m_server.client(30);
        const std::string shape = "per_page=" + std::to_string(per_page) + "&columns=" + std::to_string(columns);
        auto info = c.Get(("/api/dataset?" + shape).c_str(), m_server.headers());
        if (!info || info->status != 200) throw std::runtime_error(m_server.problem(info, "dataset"));
        const nlohmann::json j = nlohmann::json::parse(info->body);
        DatasetPage out;
        out.description = j.value("description", std::string()) + " (on the server)";
        out.images = j.value("images", int64_t(0));
        out.pages = j.value("pages", 0);
        if (page < 0) return out;
        const std::string what = "dataset page " + std::to_string(page + 1);
        auto png = c.Get(("/api/dataset?page=" + std::to_string(page + 1) + "&" + shape).c_str(), m_server.headers());
        if (!png || png->status != 200) throw std::runtime_error(m_server.problem(png, what));
        const Image image = load_image_memory(reinterpret_cast<const unsigned char*>(png->body.data()),
                                              png->body.size(), m_server.url + " " + what);
        out.grid = image_to_tensor(image);
        return out;
    }

private:
    ServerAddress m_server;
};

class RemoteSource final : public ThreadedSource {
public:
    RemoteSource(const std::string& url, std::string token, double poll_seconds)
        : m_url(url), m_token(std::move(token)), m_poll(std::max(0.05, poll_seconds)) {
        const std::string rest = url.substr(std::string("http://").size());
        const auto slash = rest.find('/');
        const std::string hostport = rest.substr(0, slash);
        const auto colon = hostport.rfind(':');
        m_host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
        m_port = colon == std::string::npos ? 80 : std::atoi(hostport.c_str() + colon + 1);
        if (m_host.empty() || m_port <= 0 || m_port > 65535)
            throw std::invalid_argument("watch " + url + ": use http://HOST:PORT (the address --serve printed)");
        m_server = ServerAddress{m_url, m_host, m_token, m_port};
        m_temp = (fs::temp_directory_path() / ("ganscope-watch-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this) % 100000)))
                     .string();
        TrainerStatus s;
        s.message = "connecting to " + m_url + "...";
        m_status.publish(s);
        start([this] { follow(); });
    }
    ~RemoteSource() override { close(); }

    std::string name() const override { return m_url; }
    std::string kind() const override { return "following"; }
    RunCapabilities capabilities() const override { return {!m_token.empty(), !m_token.empty(), true}; }
    std::string run_dir() const override { return ""; }
    bool disconnected() const override { return m_disconnected.load(); }

    std::shared_ptr<DatasetPages> dataset(const TrainConfig&) const override {
        return std::make_shared<RemoteDatasetPages>(m_server);
    }

    // With the token, the canvas goes to the server (POST /api/translate) and its model translates it; without
    // one, the window translates here with the snapshots it downloads.
    RemoteTranslate remote_translate() const override {
        if (m_token.empty()) return {};
        return [server = m_server](const Image& input) {
            httplib::Client c = server.client(30);
            auto r = c.Post("/api/translate", server.headers(), encode_png(input), "image/png");
            if (!r || r->status != 200) throw std::runtime_error(server.problem(r, "translate"));
            return load_image_memory(reinterpret_cast<const unsigned char*>(r->body.data()), r->body.size(),
                                     server.url + " translation");
        };
    }

    std::string command(const RunCommand& c) override {
        if (m_token.empty()) return "read-only: give `ganscope watch " + m_url + " --token T` to steer the run";
        nlohmann::json j;
        try {
            j = command_to_json(c);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        httplib::Client client = m_server.client(5);
        auto r = client.Post("/api/control", m_server.headers(), j.dump(), "application/json");
        if (r && r->status == 200) return "";
        return m_server.problem(r, "control");
    }

    void close() override {
        ThreadedSource::close();
        std::error_code ec;
        fs::remove(m_temp + ".png", ec);
        fs::remove(m_temp + ".pt", ec);
    }

private:
    httplib::Result get(httplib::Client& client, const char* path) { return client.Get(path, m_server.headers()); }

    void follow() {
        httplib::Client client = m_server.client(10);
        for (;;) {
            std::string problem;
            try {
                problem = poll(client);
            } catch (const std::exception& e) {
                problem = e.what();
            }
            if (!problem.empty()) publish_disconnected(problem);
            const double wait = problem.empty() ? m_poll : 1.0;  // retry once a second while it is away
            if (!pause_for(wait)) return;
        }
    }

    // One look at the server; returns "" or what went wrong (the connection, a status).
    std::string poll(httplib::Client& client) {
        auto r = get(client, "/api/status");
        if (!r) return httplib::to_string(r.error());
        if (r->status != 200) return "HTTP " + std::to_string(r->status) + " for /api/status";
        const nlohmann::json j = nlohmann::json::parse(r->body);
        if (!m_config) {
            auto c = get(client, "/api/config");
            if (c && c->status == 200) {
                m_config = TrainConfig::from_json(nlohmann::json::parse(c->body));
                if (m_config->has_latent_space())
                    m_latents = make_fixed_latents(m_config->grid_count, m_config->latent_dim, m_config->seed);
            }
        }
        // New metric records (a restarted server is asked from where we are: the curves are kept).
        auto m = get(client, ("/api/metrics?since=" + std::to_string(m_last_step)).c_str());
        if (m && m->status == 200) {
            std::vector<StepMetrics> fresh;
            for (const auto& record : nlohmann::json::parse(m->body)) fresh.push_back(StepMetrics::from_json(record));
            std::lock_guard<std::mutex> lock(m_mutex);
            for (const StepMetrics& s : fresh) {
                if (s.step <= m_last_step) continue;
                m_metrics.push(s);
                m_last_step = s.step;
                m_last = s;
            }
        }
        const int64_t grid_step = j.value("grid_step", int64_t(-1));
        if (m_config && grid_step >= 0 && grid_step != m_grid_step) fetch_grid(client, j, grid_step);
        // A pix2pix run translates on the server when we have the token: its snapshots are not needed here.
        const bool translates_there = m_config && m_config->image_to_image() && !m_token.empty();
        const int64_t snapshot_step = j.value("snapshot_step", int64_t(-1));
        if (!translates_there && snapshot_step >= 0 && snapshot_step != m_snapshot_step &&
            Clock::now() - m_last_snapshot > std::chrono::seconds(2))
            fetch_snapshot(client, snapshot_step);
        // The run's alerts, when their count changed.
        const int64_t raised = j.value("alerts_raised", int64_t(0));
        if (raised != m_alerts_raised) {
            auto a = get(client, "/api/alerts");
            if (a && a->status == 200) {
                std::vector<Alert> alerts;
                for (const auto& record : nlohmann::json::parse(a->body).at("alerts"))
                    alerts.push_back(Alert::from_json(record));
                m_alerts = std::move(alerts);
                m_alerts_raised = raised;
            }
        }
        publish_status(j);
        return "";
    }

    void fetch_grid(httplib::Client& client, const nlohmann::json& status, int64_t step) {
        auto r = get(client, "/api/grid.png");
        if (!r || r->status != 200) return;  // tried again at the next poll
        const std::string path = m_temp + ".png";
        std::ofstream(path, std::ios::binary | std::ios::trunc) << r->body;
        const int padding = status.value("grid_padding", kDisplayPadding);
        const int64_t count = status.value("grid_count", int64_t(0));
        torch::Tensor cells = cells_of_grid_png(path, m_config->image_size, padding, count);
        m_samples.publish(display_grid(cells, *m_config, step, m_latents));
        m_grid_step = step;
    }

    void fetch_snapshot(httplib::Client& client, int64_t step) {
        m_last_snapshot = Clock::now();
        auto r = get(client, "/api/snapshot");
        // A transfer cut short fails here (the client checks Content-Length) or in load_snapshot (the archive's
        // own checks); either way nothing half-read reaches the explorer.
        if (!r || r->status != 200) return;
        const std::string path = m_temp + ".pt";
        std::ofstream(path, std::ios::binary | std::ios::trunc) << r->body;
        m_weights.publish(load_snapshot(path));
        m_snapshot_step = step;
    }

    void publish_status(const nlohmann::json& j) {
        TrainerStatus s;
        if (m_config) s.config = *m_config;
        s.state = state_from(j.value("state", ""));
        s.step = j.value("step", int64_t(0));
        s.epoch = j.value("epoch", int64_t(0));
        s.total_steps = j.value("total_steps", int64_t(0));
        s.device = j.value("device", std::string());
        s.lr_g = j.value("lr_g", 0.0);
        s.lr_d = j.value("lr_d", 0.0);
        s.lr_g_now = j.value("lr_g_now", s.lr_g);
        s.lr_d_now = j.value("lr_d_now", s.lr_d);
        s.batch_size = j.value("batch_size", 0);
        s.step_ms = j.value("step_ms", 0.0);
        s.eta_seconds = j.value("eta_seconds", -1.0);
        s.data_description = j.value("data", std::string());
        if (!s.data_description.empty()) s.data_description += " (on the server)";
        s.dataset_size = j.value("dataset_size", int64_t(0));
        s.batches_per_epoch = j.value("batches_per_epoch", int64_t(0));
        s.skipped_files = j.value("skipped_files", int64_t(0));
        s.dist_backend = j.value("dist_backend", std::string());
        s.allreduce_ms = j.value("allreduce_ms", 0.0);
        s.error = j.value("error", std::string());
        s.alerts = m_alerts;
        s.alerts_raised = m_alerts_raised;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            s.last = m_last;
        }
        s.message =
            "following " + m_url + (m_token.empty() ? " (read-only)" : "") + ": " + j.value("message", std::string());
        m_connected = true;
        m_disconnected = false;  // before the status that says so: a reader never sees this status disconnected
        m_last_status = s;
        m_status.publish(s);
    }

    void publish_disconnected(const std::string& why) {
        TrainerStatus s = m_last_status;  // the last known state stays on screen
        s.message = "disconnected, retrying (" + m_url + ": " + why + ")";
        if (!m_connected && s.state == TrainerState::Starting)
            s.message = "cannot reach " + m_url + " (" + why + "), retrying";
        m_disconnected = true;
        m_status.publish(s);
    }

    std::string m_url, m_host, m_token, m_temp;
    ServerAddress m_server;
    int m_port = 0;
    double m_poll;
    std::optional<TrainConfig> m_config;  // poll thread
    std::vector<Alert> m_alerts;          // poll thread: the server's /api/alerts
    int64_t m_alerts_raised = 0;
    torch::Tensor m_latents;
    int64_t m_grid_step = -1, m_snapshot_step = -1;
    Clock::time_point m_last_snapshot{};
    bool m_connected = false;
    std::atomic<bool> m_disconnected{false};  // written by the poll thread, read by any
    TrainerStatus m_last_status;
    int64_t m_last_step = -1;  // under m_mutex
    StepMetrics m_last;        // under m_mutex
};

}  // namespace

std::unique_ptr<RunSource> make_remote_source(const std::string& url, const std::string& token, double poll_seconds) {
    return std::make_unique<RemoteSource>(url, token, poll_seconds);
}

}  // namespace ganscope
