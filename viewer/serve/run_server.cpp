// RunServer (see run_server.h): routes, the token, limits; the event stream is in run_server_events.cpp and the
// translation's model in translate_endpoint.cpp. Server threads; the constructor and destructor on their caller's
// thread.
#include "viewer/serve/run_server.h"

#include <httplib.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ml/formats/safe_text.h"
#include "ml/run/history.h"
#include "ml/data/image.h"
#include "ml/data/pairs.h"
#include "ml/data/tensor_image.h"
#include "ml/models/translator.h"
#include "viewer/serve/door.h"
#include "viewer/serve/http_text.h"
#include "viewer/serve/translate_endpoint.h"
#include "viewer/serve/served_files.h"
#include "viewer/sources/command_json.h"
#include "viewer/sources/png_bytes.h"
#include "viewer/sources/run_files.h"

namespace ganscope {

namespace {

using Clock = std::chrono::steady_clock;

// A query value quoted in a refusal: printable ASCII, at most 32 bytes.
std::string quoted(const std::string& value) { return escape_bytes(value, 32); }

// One request counted against its limit for as long as it lives.
struct ClientSlot {
    std::atomic<int>& active;
    bool admitted;
    ClientSlot(std::atomic<int>& a, int max) : active(a), admitted(++a <= max) {}
    ~ClientSlot() { --active; }
};

// A head that stalls is cut off no later than a request body that stalls.
DoorOptions door_options(const ServeOptions& o) {
    DoorOptions d = o.door;
    d.stall_seconds = std::min(d.stall_seconds, o.timeout_seconds);
    return d;
}

}  // namespace

void parse_serve_address(const std::string& text, ServeOptions& options) {
    const auto colon = text.rfind(':');
    std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
    const std::string port = colon == std::string::npos ? text : text.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end || p < 0 || p > 65535)
        throw std::invalid_argument("--serve " + text + ": use [HOST:]PORT, e.g. 8080 or 127.0.0.1:8080");
    if (!host.empty()) options.host = host;
    options.port = int(p);
}

std::string generate_token() {
    std::random_device random;  // the system's entropy source
    static const char* hex = "0123456789abcdef";
    std::string token;
    for (int i = 0; i < 32; ++i) token += hex[random() % 16];
    return token;
}

bool same_token(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

RunServer::RunServer(RunSource& source, ServeOptions options)
    : m_source(source), m_options(std::move(options)), m_server(make_door_server(door_options(m_options), m_door)) {
    if (m_options.token.empty()) m_options.token = generate_token();
    if (!m_options.token_file.empty()) {
        // Written before anything listens, readable by its owner only.
        const std::string temp = m_options.token_file + ".tmp";
        {
            std::ofstream out(temp, std::ios::trunc);
            out << m_options.token << "\n";
            if (!out) throw std::runtime_error(m_options.token_file + ": cannot write the serve token");
        }
        chmod(temp.c_str(), 0600);
        if (std::rename(temp.c_str(), m_options.token_file.c_str()) != 0)
            throw std::runtime_error(m_options.token_file + ": cannot write the serve token");
    }
    // Every event stream holds a thread, and so does every connection still sending its head: more threads than
    // streams, requests, the token's reserve and those connections together, so the one past any limit is answered.
    const size_t threads = size_t(m_options.max_clients) + size_t(m_options.max_requests) +
                           size_t(m_options.reserved_requests) + m_options.door.pending_total + 8;
    m_server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    const auto seconds = std::chrono::duration<double>(m_options.timeout_seconds);
    m_server->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(seconds));
    m_server->set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(seconds));
    m_server->set_payload_max_length(m_options.max_translate_bytes + 4096);  // larger bodies: 413 before any handler
    // One request a connection: every request's head passes the door (a kept-alive connection's next head would
    // be read by httplib alone, with no deadline for the whole of it).
    m_server->set_keep_alive_max_count(1);
    // httplib's default puts the exception's text in a response header; a failure is one generic line instead.
    m_server->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, "the server failed to answer this request");
    });
    // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which lets a second process bind a port that is
    // in use and take a share of its connections (and its tokens).
    m_server->set_socket_options([](int sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof yes);
    });
    routes();
    if (m_options.port == 0) m_port = m_server->bind_to_any_port(m_options.host);
    else m_port = m_server->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1;
    if (m_port <= 0)
        throw std::runtime_error("--serve " + m_options.host + ":" + std::to_string(m_options.port) +
                                 ": cannot listen there (the port is in use, or the address is not this machine's); "
                                 "choose another port");
    auto listening = std::make_shared<std::promise<void>>();
    std::future<void> started = listening->get_future();
    m_thread = std::thread([this, listening] {
        listening->set_value();
        m_server->listen_after_bind();
        m_listen_ended = true;
    });
    started.wait();
    // httplib's stop() does nothing until its accept loop has started: wait for it (bounded), so a server
    // destroyed at once (a refused run) still stops instead of leaving its caller joining a thread in accept.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!m_server->is_running() && !m_listen_ended && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

RunServer::~RunServer() {
    m_stopping = true;
    m_door->close();
    // stop() closes the listening socket only while the accept loop runs; repeat until the thread has left it.
    while (!m_listen_ended) {
        m_server->stop();
        if (m_listen_ended) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (m_thread.joinable()) m_thread.join();
}

std::string RunServer::url() const { return "http://" + m_options.host + ":" + std::to_string(m_port); }

std::string RunServer::status_json() const {
    nlohmann::json j;
    const auto s = m_source.status().latest();
    j["run"] = m_source.name();
    j["source"] = m_source.kind();
    if (!s) {
        j["state"] = "starting";
        j["step"] = 0;
        j["epoch"] = 0;
        j["grid_step"] = -1;
        return json_text(j);
    }
    j["state"] = to_string(s->state);
    j["step"] = s->step;
    j["epoch"] = s->epoch;
    j["total_steps"] = s->total_steps;
    j["model"] = s->config.model;
    j["image_size"] = s->config.image_size;
    j["device"] = s->device;
    j["loss_g"] = s->last.loss_g;
    j["loss_d"] = s->last.loss_d;
    j["d_real"] = s->last.d_real;
    j["d_fake"] = s->last.d_fake;
    j["images_per_sec"] = s->last.images_per_sec;
    j["lr_g"] = s->lr_g;
    j["lr_d"] = s->lr_d;
    j["lr_g_now"] = s->lr_g_now;
    j["lr_d_now"] = s->lr_d_now;
    j["batch_size"] = s->batch_size;
    j["step_ms"] = s->step_ms;
    j["eta_seconds"] = s->eta_seconds;
    j["data"] = s->data_description;
    j["dataset_size"] = s->dataset_size;
    j["batches_per_epoch"] = s->batches_per_epoch;
    j["skipped_files"] = s->skipped_files;
    j["dist_backend"] = s->dist_backend;
    j["allreduce_ms"] = s->allreduce_ms;
    j["message"] = s->message;
    j["error"] = s->error;
    j["alerts_raised"] = s->alerts_raised;
    // The page offers the translation as text for runs whose outputs are ASCII art.
    j["translate_text"] = s->config.image_to_image() && translation_output_kind(s->config) == PairKind::Ascii;
    if (auto g = m_source.samples().latest(); g && g->images.defined()) {
        j["grid_step"] = g->step;
        j["grid_count"] = g->images.size(0);
        j["grid_columns"] = g->columns;
        j["grid_padding"] = g->padding;
    } else {
        j["grid_step"] = -1;
    }
    if (auto w = m_source.weights().latest()) j["snapshot_step"] = w->step;
    return json_text(j);
}

void RunServer::routes() {
    httplib::Server& svr = *m_server;
    const bool loopback = is_loopback(m_options.host);
    auto authorized = [this](const httplib::Request& req) {
        const std::string h = req.get_header_value("Authorization");
        return h.rfind("Bearer ", 0) == 0 && same_token(h.substr(7), m_options.token);
    };
    // Off loopback every request needs the token; on it, every POST does (below).
    svr.set_pre_routing_handler([this, loopback, authorized](const httplib::Request& req, httplib::Response& res) {
        if (m_stopping) {
            send_error(res, 503, "the server is stopping");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!loopback && !authorized(req)) {
            send_error(res, 401, "this server needs its token: Authorization: Bearer TOKEN (see serve.token in the run folder)");
            return httplib::Server::HandlerResponse::Handled;
        }
        // Before the body is read: a body only ever comes from a client with the token.
        if (req.method != "GET" && req.method != "HEAD" && !authorized(req)) {
            send_error(res, 401, "POST needs the token: Authorization: Bearer TOKEN");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // Requests with the token have places of their own beyond the limit: a crowd cannot lock out the run's owner.
    auto guarded = [this, authorized](auto handler) {
        return [this, authorized, handler](const httplib::Request& req, httplib::Response& res) {
            ClientSlot slot(m_active, m_options.max_requests + (authorized(req) ? m_options.reserved_requests : 0));
            if (!slot.admitted) {
                res.set_header("Retry-After", "1");
                return send_error(res, 503, "too many requests at once; try again in a moment");
            }
            handler(req, res);
        };
    };

    // The page and its files, from the binary. Scripts and styles from this server only: nothing inline runs, so
    // text a run puts on the page (a folder's name, an error) can never become script.
    auto page_file = [](const std::string& path, httplib::Response& res) {
        const auto bytes = served_file(path);
        if (!bytes) return send_error(res, 404, "no such file: " + quoted(path));
        const auto ends = [&](const char* tail) {
            const size_t n = std::strlen(tail);
            return path.size() >= n && path.compare(path.size() - n, n, tail) == 0;
        };
        const char* type = ends(".js")    ? "text/javascript; charset=utf-8"
                           : ends(".css") ? "text/css; charset=utf-8"
                                          : "text/html; charset=utf-8";
        res.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("Cache-Control", "no-cache");
        res.set_content(bytes->data(), bytes->size(), type);
    };
    svr.Get("/", guarded([page_file](const httplib::Request&, httplib::Response& res) { page_file("/", res); }));
    svr.Get(R"(/static/([a-z0-9.]{1,40}))", guarded([page_file](const httplib::Request& req, httplib::Response& res) {
                page_file("/static/" + req.matches[1].str(), res);
            }));

    svr.Get("/api/status", guarded([this](const httplib::Request&, httplib::Response& res) {
        res.set_content(status_json() + "\n", "application/json");
    }));

    svr.Get("/api/config", guarded([this](const httplib::Request&, httplib::Response& res) {
        const auto s = m_source.status().latest();
        if (!s || s->config.image_size <= 0) return send_error(res, 404, "the run's configuration is not known yet");
        res.set_content(json_text(s->config.to_json()) + "\n", "application/json");
    }));

    svr.Get(
        "/api/alerts", guarded([this](const httplib::Request&, httplib::Response& res) {
            nlohmann::json list = nlohmann::json::array();
            int64_t raised = 0;
            if (const auto s = m_source.status().latest()) {
                for (const Alert& a : s->alerts) list.push_back(a.to_json());
                raised = s->alerts_raised;
            }
            res.set_content(json_text(nlohmann::json{{"alerts", list}, {"raised", raised}}) + "\n", "application/json");
        }));
    svr.Get("/api/metrics", guarded([this](const httplib::Request& req, httplib::Response& res) {
        int64_t since = -1;
        if (req.has_param("since")) {
            const std::string v = req.get_param_value("since");
            char* end = nullptr;
            errno = 0;
            since = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end || errno == ERANGE || v.size() != std::strlen(v.c_str()))
                return send_error(res, 400, "since=" + quoted(v) + ": expected a step number");
        }
        nlohmann::json records = nlohmann::json::array();
        for (const StepMetrics& m : m_source.metrics_since(since)) records.push_back(m.to_json());
        res.set_content(json_text(records) + "\n", "application/json");
    }));

    // The newest grid as PNG, encoded once per grid whatever the number of clients.
    auto png_cache = std::make_shared<std::pair<std::mutex, std::pair<uint64_t, std::string>>>();
    svr.Get("/api/grid.png", guarded([this, png_cache](const httplib::Request&, httplib::Response& res) {
        const uint64_t generation = m_source.samples().generation();
        std::lock_guard<std::mutex> lock(png_cache->first);
        if (png_cache->second.first != generation || png_cache->second.second.empty()) {
            const auto grid = m_source.samples().latest();
            if (!grid || !grid->images.defined()) return send_error(res, 404, "no sample grid yet");
            const torch::Tensor tiled = grid->grid.defined()
                                            ? grid->grid
                                            : make_grid(grid->images, display_grid_columns(grid->images.size(0), false),
                                                        kDisplayPadding, kDisplayGutter);
            png_cache->second = {generation, encode_png(tensor_to_image(tiled))};
        }
        res.set_header("Cache-Control", "no-store");
        res.set_content(png_cache->second.second, "image/png");
    }));

    // History snapshots: listed by step; fetched by the step the list gives (never by a path).
    svr.Get("/api/history", guarded([this](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        if (!m_source.run_dir().empty())
            for (const HistoryEntry& e : list_history(m_source.run_dir()))
                list.push_back({{"step", e.step}, {"bytes", e.bytes}, {"url", "/api/history/" + std::to_string(e.step)}});
        res.set_content(json_text(list) + "\n", "application/json");
    }));
    svr.Get(R"(/api/history/(\d{1,18}))", guarded([this](const httplib::Request& req, httplib::Response& res) {
        const int64_t step = std::strtoll(req.matches[1].str().c_str(), nullptr, 10);
        if (m_source.run_dir().empty()) return send_error(res, 404, "this run keeps no history");
        for (const HistoryEntry& e : list_history(m_source.run_dir())) {
            if (e.step != step) continue;
            std::ifstream in(e.path, std::ios::binary);
            std::ostringstream bytes;
            bytes << in.rdbuf();
            if (!in) return send_error(res, 404, "snapshot of step " + std::to_string(step) + " was thinned away");
            return res.set_content(bytes.str(), "application/octet-stream");
        }
        send_error(res, 404, "no snapshot of step " + std::to_string(step) + "; GET /api/history lists them");
    }));

    // The grids the run kept (samples/step_*.png, as the trainer wrote them: make_grid, 2 px white gutters), listed by
    // step and fetched by the step the list gives (never by a path); the file's bytes as they are, nothing decoded.
    svr.Get("/api/samples", guarded([this](const httplib::Request&, httplib::Response& res) {
                nlohmann::json list = nlohmann::json::array();
                if (!m_source.run_dir().empty())
                    for (const SampleFile& f : list_samples(m_source.run_dir()))
                        list.push_back({{"step", f.step}, {"url", "/api/samples/" + std::to_string(f.step)}});
                res.set_header("Cache-Control", "no-store");
                res.set_content(json_text(list) + "\n", "application/json");
            }));
    svr.Get(R"(/api/samples/(\d{1,18}))", guarded([this](const httplib::Request& req, httplib::Response& res) {
                const int64_t step = std::strtoll(req.matches[1].str().c_str(), nullptr, 10);
                if (m_source.run_dir().empty()) return send_error(res, 404, "this run keeps no sample grids");
                for (const SampleFile& f : list_samples(m_source.run_dir())) {
                    if (f.step != step) continue;
                    std::ifstream in(f.path, std::ios::binary);
                    std::ostringstream bytes;
                    bytes << in.rdbuf();
                    if (!in || bytes.str().empty())
                        return send_error(res, 404, "the grid of step " + std::to_string(step) + " is gone");
                    return res.set_content(bytes.str(), "image/png");
                }
                send_error(res, 404, "no grid of step " + std::to_string(step) + "; GET /api/samples lists them");
            }));

    // The newest generator snapshot (what the explorer of a watching window draws with), as a history file.
    auto snapshot_cache = std::make_shared<std::pair<std::mutex, std::pair<uint64_t, std::string>>>();
    svr.Get("/api/snapshot", guarded([this, snapshot_cache](const httplib::Request&, httplib::Response& res) {
        const uint64_t generation = m_source.weights().generation();
        std::lock_guard<std::mutex> lock(snapshot_cache->first);
        if (snapshot_cache->second.first != generation || snapshot_cache->second.second.empty()) {
            const auto weights = m_source.weights().latest();
            if (!weights) return send_error(res, 404, "no generator snapshot yet");
            const std::string temp = (std::filesystem::temp_directory_path() /
                                      ("ganscope-serve-" + std::to_string(::getpid()) + "-" + std::to_string(m_port) + ".pt"))
                                         .string();
            save_snapshot(temp, *weights);
            std::ifstream in(temp, std::ios::binary);
            std::ostringstream bytes;
            bytes << in.rdbuf();
            std::remove(temp.c_str());
            snapshot_cache->second = {generation, bytes.str()};
        }
        res.set_content(snapshot_cache->second.second, "application/octet-stream");
    }));

    // Dataset pages: GET /api/dataset gives the description and counts; ?page=N (from 1) a page as PNG, tiled as
    // the Dataset panel shows it. The run's data is read where it lives, one page at a time; never by a path.
    struct DatasetState {
        std::mutex mutex;
        std::shared_ptr<DatasetPages> pages;
        std::string key, png;  // the last page sent: "page/per_page/columns"
    };
    auto dataset = std::make_shared<DatasetState>();
    svr.Get("/api/dataset", guarded([this, dataset](const httplib::Request& req, httplib::Response& res) {
        auto number = [&](const char* name, int fallback, int low, int high, int& out) {
            if (!req.has_param(name)) return out = fallback, true;
            const std::string v = req.get_param_value(name);
            char* end = nullptr;
            errno = 0;
            const long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end || errno == ERANGE || v.size() != std::strlen(v.c_str()) || n < low || n > high) {
                send_error(res, 400,
                           std::string(name) + "=" + quoted(v) + ": use a whole number from " + std::to_string(low) +
                               " to " + std::to_string(high));
                return false;
            }
            return out = int(n), true;
        };
        int page = 0, per_page = 0, columns = 0;
        if (!number("page", 0, 1, 1000000, page) || !number("per_page", 64, 1, kMaxPerPage, per_page) ||
            !number("columns", 8, 1, kMaxPageColumns, columns))
            return;
        const auto s = m_source.status().latest();
        if (!s || s->config.image_size <= 0) return send_error(res, 404, "the run's configuration is not known yet");
        std::lock_guard<std::mutex> lock(dataset->mutex);
        if (!dataset->pages) dataset->pages = m_source.dataset(s->config);
        try {
            if (page == 0) {
                const DatasetPage info = dataset->pages->page(-1, per_page, columns);
                nlohmann::json j{{"description", info.description}, {"images", info.images}, {"pages", info.pages},
                                 {"per_page", per_page}, {"columns", columns},
                                 {"url", "/api/dataset?page=1&per_page=" + std::to_string(per_page) +
                                             "&columns=" + std::to_string(columns)}};
                return res.set_content(json_text(j) + "\n", "application/json");
            }
            const std::string key = std::to_string(page) + "/" + std::to_string(per_page) + "/" + std::to_string(columns);
            if (dataset->key != key) {
                dataset->png = encode_png(tensor_to_image(dataset->pages->page(page - 1, per_page, columns).grid));
                dataset->key = key;
            }
            res.set_content(dataset->png, "image/png");
        } catch (const std::out_of_range& e) {
            send_error(res, 404, e.what());
        } catch (const std::exception& e) {
            send_error(res, 500,
                       std::string("the run's dataset cannot be read where it trains: ") + one_line(e.what(), 300));
        }
    }));

    // pix2pix: an image in (PNG or JPEG, at most max_translate_bytes), its translation out (PNG, at the model's
    // size), by the newest generator snapshot; one translation at a time, beside training. `?output=text`: a run
    // whose outputs are ASCII art (seed 000) answers with the translation read back as text, the glyph grid that
    // best matches the picture (as `ganscope translate` writes NAME.txt); the page asks for the picture and then
    // the text of the same drawing, so the last translation is kept and the text costs no second generator pass.
    auto translate = std::make_shared<TranslateEndpoint>();
    svr.Post("/api/translate", guarded([this, authorized, translate](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req)) return send_error(res, 401, "POST needs the token: Authorization: Bearer TOKEN");
        if (req.body.size() > m_options.max_translate_bytes)
            return send_error(res, 413, "an image to translate is at most " +
                                            std::to_string(m_options.max_translate_bytes / (1024 * 1024)) + " MB");
        const auto s = m_source.status().latest();
        if (s && s->config.image_size > 0 && !s->config.image_to_image())
            return send_error(res, 409, "this run trains " + s->config.model + ", which does not translate images; "
                                        "POST /api/translate is for pix2pix runs");
        const uint64_t generation = m_source.weights().generation();
        const auto weights = m_source.weights().latest();
        if (!weights) {
            res.set_header("Retry-After", "2");
            return send_error(res, 503, "no generator snapshot yet; try again in a moment");
        }
        if (!weights->config.image_to_image())
            return send_error(res, 409, "this run's generator is " + weights->config.model + "; only pix2pix translates");
        const std::string output = req.has_param("output") ? req.get_param_value("output") : "image";
        if (output != "image" && output != "text")
            return send_error(res, 400, "output is image (a PNG, the default) or text (ASCII-art runs)");
        const bool text = output == "text";
        if (text && translation_output_kind(weights->config) != PairKind::Ascii)
            return send_error(res, 409,
                              "this run's translations are not ASCII art (pairs " + weights->config.pairs + ", " +
                                  weights->config.direction +
                                  "); output=text is for runs trained with --pairs ascii --direction BtoA");
        const TranslateAnswer answer = translate->answer(*weights, generation, req.body, text);
        if (!answer.error.empty()) return send_error(res, answer.status, answer.error);
        res.set_header("X-Ganscope-Step", std::to_string(answer.step));
        res.set_content(answer.body, answer.type);
    }));

    svr.Post("/api/control", guarded([this, authorized](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req)) return send_error(res, 401, "POST needs the token: Authorization: Bearer TOKEN");
        if (req.body.size() > m_options.max_control_bytes)
            return send_error(res, 413, "a command is at most " + std::to_string(m_options.max_control_bytes) + " bytes");
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(req.body);
        } catch (const std::exception&) {
            return send_error(res, 400, "the body is not JSON; send {\"command\": \"pause\"}");
        }
        RunCommand c;
        try {
            c = command_from_json(j);
        } catch (const std::invalid_argument& e) {
            return send_error(res, 400, e.what());
        }
        const std::string name = command_name(c.kind);
        const std::string refused = m_source.command(c);
        if (!refused.empty()) return send_error(res, 409, refused);
        res.set_content(json_text(nlohmann::json{{"ok", true}, {"command", name}}) + "\n", "application/json");
    }));

    // Server-sent events (run_server_events.cpp).
    svr.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) { serve_events(req, res); });
}

}  // namespace ganscope
