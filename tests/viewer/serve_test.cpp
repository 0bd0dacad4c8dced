// --serve: every endpoint against a tiny run training in this process, and every refusal (401, 400, 404, 409, 413,
// 503) asserted; training keeps advancing while clients stream. Test thread; the server answers on its own.
#include <doctest/doctest.h>

#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../ml/test_util.h"
#include "ml/history.h"
#include "ml/image.h"
#include "ml/tensor_image.h"
#include "viewer/serve/run_server.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

nlohmann::json get_json(httplib::Client& c, const std::string& path, int expect = 200) {
    auto r = c.Get(path.c_str());
    REQUIRE(r);
    CHECK(r->status == expect);
    return nlohmann::json::parse(r->body);
}

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

int post(httplib::Client& c, const std::string& body, const httplib::Headers& headers) {
    auto r = c.Post("/api/control", headers, body, "application/json");
    REQUIRE(r);
    return r->status;
}

template <class F>
bool wait_for(F done, double seconds = 60) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace

TEST_CASE("serve: endpoints, the token, and every refusal, while training goes on") {
    const std::string dir = work_dir("serve");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.config.history_every = 4;
    t.run_dir = dir + "/run";
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, t.run_dir);
    ServeOptions o;
    o.port = 0;
    o.max_clients = 4;
    o.token_file = dir + "/serve.token";
    RunServer server(*source, o);
    REQUIRE(server.port() > 0);
    CHECK(server.token().size() == 32);

    // The token: written once, for its owner's eyes only.
    struct stat st {};
    REQUIRE(stat(o.token_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::string written;
    std::ifstream(o.token_file) >> written;
    CHECK(written == server.token());

    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(10, 0);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["step"].get<int64_t>() >= 4; }));
    nlohmann::json status = get_json(c, "/api/status");
    CHECK(status["model"] == "dcgan");
    CHECK(status["state"] == "running");
    CHECK(status["run"] == t.run_dir);
    for (const char* key : {"epoch", "loss_g", "loss_d", "d_real", "d_fake", "images_per_sec"}) CHECK(status.contains(key));

    // Metrics: everything, then only what is new.
    const nlohmann::json all = get_json(c, "/api/metrics");
    REQUIRE(all.size() >= 4);
    const int64_t mid = all[1]["step"];
    const nlohmann::json newer = get_json(c, "/api/metrics?since=" + std::to_string(mid));
    REQUIRE(!newer.empty());
    CHECK(newer[0]["step"].get<int64_t>() == mid + 1);
    get_json(c, "/api/metrics?since=abc", 400);

    // The grid as PNG: the size of the assembled grid (3x3 cells of 16 px, 2 px gutters).
    auto png = c.Get("/api/grid.png");
    REQUIRE(png);
    CHECK(png->status == 200);
    CHECK(png->get_header_value("Content-Type") == "image/png");
    const std::string png_path = dir + "/grid.png";
    std::ofstream(png_path, std::ios::binary) << png->body;
    const Image grid = load_image_raw(png_path);
    CHECK(grid.width == 3 * 18 + 2);
    CHECK(grid.height == 3 * 18 + 2);

    // History: listed by step, fetched by step, loadable as a snapshot; nothing is fetched by path.
    REQUIRE(wait_for([&] { return !get_json(c, "/api/history").empty(); }));
    const nlohmann::json history = get_json(c, "/api/history");
    const std::string url = history[0]["url"];
    auto snap = c.Get(url.c_str());
    REQUIRE(snap);
    CHECK(snap->status == 200);
    const std::string snap_path = dir + "/snap.pt";
    std::ofstream(snap_path, std::ios::binary) << snap->body;
    CHECK(load_snapshot(snap_path).step == history[0]["step"].get<int64_t>());
    CHECK(c.Get("/api/history/999999999")->status == 404);
    CHECK(c.Get("/api/history/../../etc/passwd")->status == 404);
    CHECK(c.Get("/api/nothing-here")->status == 404);

    // Commands: the token, the body, the command, each refusal changes nothing.
    const nlohmann::json settings = get_json(c, "/api/status");
    const int64_t before = settings["step"];
    CHECK(post(c, R"({"command": "pause"})", {}) == 401);
    CHECK(post(c, R"({"command": "lr", "lr_g": 0.5, "lr_d": 0.5})", {}) == 401);
    CHECK(post(c, R"({"command": "batch", "batch": 3})", bearer("0123456789abcdef0123456789abcdef")) == 401);
    CHECK(post(c, R"({"command": "batch", "batch": "three"})", bearer(server.token())) == 400);
    CHECK(post(c, R"({"command": "lr", "lr_g": 0.5, "lr_d": 0.5, "pad": ")" + std::string(70 * 1024, 'x') + "\"}",
               bearer(server.token())) == 413);
    CHECK(post(c, R"({"command": "pause"})", bearer("0123456789abcdef0123456789abcdef")) == 401);
    CHECK(post(c, R"({"command": "pause")", bearer(server.token())) == 400);
    CHECK(post(c, R"({"command": "explode"})", bearer(server.token())) == 400);
    CHECK(post(c, R"({"command": "lr", "lr": 5})", bearer(server.token())) == 400);
    CHECK(post(c, R"({"command": "step", "steps": "many"})", bearer(server.token())) == 400);
    CHECK(post(c, std::string(70 * 1024, ' ') + R"({"command": "pause"})", bearer(server.token())) == 413);
    CHECK(post(c, std::string(5 * 1024 * 1024, ' '), bearer(server.token())) == 413);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["step"].get<int64_t>() > before; }));
    {
        const nlohmann::json after = get_json(c, "/api/status");
        CHECK(after["state"] == "running");  // none of the above paused it,
        CHECK(after["lr_g"].get<double>() == doctest::Approx(settings["lr_g"].get<double>()));  // nor changed a rate
        CHECK(after["lr_d"].get<double>() == doctest::Approx(settings["lr_d"].get<double>()));
        CHECK(after["batch_size"] == settings["batch_size"]);  // nor the batch size
    }
    CHECK(post(c, R"({"command": "lr", "lr_g": 0.001, "lr_d": 0.0005})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["lr_g"].get<double>() == doctest::Approx(0.001); }));
    CHECK(post(c, R"({"command": "pause"})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["state"] == "paused"; }));
    CHECK(post(c, R"({"command": "resume"})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["state"] == "running"; }));

    // Event streams: status and metric records arrive; at the client limit the next request gets 503; training
    // goes on meanwhile.
    std::atomic<bool> stop{false};
    std::atomic<int> statuses{0}, records{0};
    std::vector<std::thread> streams;
    for (int i = 0; i < o.max_clients; ++i)
        streams.emplace_back([&, i] {
            httplib::Client sc("127.0.0.1", server.port());
            sc.set_read_timeout(20, 0);
            sc.Get("/api/events", [&](const char* data, size_t n) {
                const std::string chunk(data, n);
                if (chunk.find("event: status") != std::string::npos) ++statuses;
                if (i == 0 && chunk.find("event: metrics") != std::string::npos) ++records;
                return !stop.load();
            });
        });
    REQUIRE(wait_for([&] { return server.active_clients() >= o.max_clients; }, 30));
    const int64_t streaming_from = trainer.status().latest()->step;
    CHECK(c.Get("/api/status")->status == 503);
    REQUIRE(wait_for([&] { return records.load() >= 3 && statuses.load() >= o.max_clients; }, 60));
    CHECK(trainer.status().latest()->step > streaming_from);
    stop = true;
    for (auto& s : streams) s.join();
    REQUIRE(wait_for([&] { return server.active_clients() == 0; }, 30));
    CHECK(c.Get("/api/status")->status == 200);
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: off loopback every request needs the token; a taken port is one clear error") {
    const std::string dir = work_dir("serve_open");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.start_paused = true;
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions o;
    o.host = "0.0.0.0";
    o.port = 0;
    o.token = "a-token-of-sixteen-or-more";
    RunServer server(*source, o);
    httplib::Client c("127.0.0.1", server.port());
    CHECK(c.Get("/api/status")->status == 401);
    CHECK(c.Get("/api/status", bearer("a-token-of-sixteen-or-more"))->status == 200);
    CHECK(c.Get("/api/grid.png", bearer("wrong-token-of-the-same-len"))->status == 401);

    ServeOptions taken;
    taken.host = "0.0.0.0";
    taken.port = server.port();
    try {
        RunServer second(*source, taken);
        FAIL("a second server on the same port must not start");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(std::to_string(server.port())) != std::string::npos);
    }
    ServeOptions parsed;
    parse_serve_address("9123", parsed);
    CHECK(parsed.host == "127.0.0.1");
    CHECK(parsed.port == 9123);
    parse_serve_address("0.0.0.0:80", parsed);
    CHECK(parsed.host == "0.0.0.0");
    CHECK_THROWS_AS(parse_serve_address("localhost:http", parsed), std::invalid_argument);
    CHECK(same_token("abc", "abc"));
    CHECK_FALSE(same_token("abc", "abd"));
    CHECK_FALSE(same_token("abc", "abcd"));
}

TEST_CASE("watch http://: the window follows a served run, steers it with the token, and reconnects") {
    const std::string dir = work_dir("serve_watch");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.run_dir = dir + "/run";
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, t.run_dir);
    ServeOptions so;
    so.port = 0;
    auto server = std::make_unique<RunServer>(*source, so);
    const int port = server->port();

    AppOptions o;
    o.headless = true;
    o.width = 960;
    o.height = 600;
    o.mode = AppOptions::Mode::Watch;
    o.watch_dir = server->url();
    o.watch_token = server->token();
    o.watch_poll_seconds = 0.1;
    {  // one App at a time: ImGui has one context
        App app(o);
        CHECK(app.source().capabilities().commands);  // the token steers
        const RunView& m = app.model();
        const GridModel& grid = app.samples().grid();
        const ExplorerModel& explorer = app.explorer().model();
        const MetricsHistory& metrics = app.curves().metrics();
        REQUIRE(frames_until(app, [&] { return grid.step >= 4 && explorer.image.ready(); }, 120));

        // Steered from the window: pause, and the grid settles on the server's last one.
        app.training().intents().pause = true;
        REQUIRE(frames_until(app, [&] { return m.status && m.status->state == TrainerState::Paused; }, 60));
        const auto last = trainer.samples().latest();
        REQUIRE(frames_until(app, [&] { return grid.step == last->step; }, 30));
        CHECK(max_difference(app.samples().texture().texture().read_rgba8(), rgba_of(tensor_to_image(last->grid))) <= 1);
        const size_t records = metrics.records().size();
        CHECK(records > 0);

        // The server goes away: the window says so and keeps its curves; it comes back: the window follows again.
        server.reset();
        REQUIRE(frames_until(app, [&] { return m.status->message.find("disconnected, retrying") != std::string::npos; }, 30));
        CHECK(metrics.records().size() == records);
        trainer.start();
        so.port = port;
        so.token = o.watch_token;
        server = std::make_unique<RunServer>(*source, so);
        REQUIRE(frames_until(app, [&] { return metrics.records().size() > records; }, 60));
        CHECK(m.status->message.find("disconnected") == std::string::npos);
        app.save_screenshot(dir + "/watch_remote.png");

    }
    // Without the token the window is read-only, and says so.
    o.watch_token.clear();
    App readonly(o);
    CHECK_FALSE(readonly.source().capabilities().commands);
    readonly.training().intents().pause = true;
    readonly.frame();
    CHECK(readonly.model().notice.find("read-only") != std::string::npos);
    server.reset();
    trainer.stop();
    trainer.wait();
}
