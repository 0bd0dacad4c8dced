// --serve: every endpoint against a tiny run training in this process, and every refusal (401, 400, 404, 409, 413,
// 503) asserted; training keeps advancing while clients stream. POST /api/translate: serve_translate_test.cpp. Test
// thread; the server answers on its own.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stb_image.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../ml/test_util.h"
#include "ml/run/history.h"
#include "ml/data/image.h"
#include "ml/data/pairs.h"
#include "ml/data/tensor_image.h"
#include "ml/models/translator.h"
#include "viewer/sources/command_json.h"
#include "viewer/serve/run_server.h"
#include "viewer/sources/png_bytes.h"
#include "viewer/widgets/canvas.h"
#include "serve_support.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

int post(httplib::Client& c, const std::string& body, const httplib::Headers& headers) {
    auto r = c.Post("/api/control", headers, body, "application/json");
    REQUIRE(r);
    return r->status;
}

}  // namespace

TEST_CASE("encode_png: gray, gray+alpha, RGB and RGBA round-trip through stb's decoder exactly") {
    torch::manual_seed(11);
    for (int channels = 1; channels <= 4; ++channels) {
        Image image(37, 23, channels);
        const auto noise = torch::randint(0, 256, {int64_t(image.pixels.size())}, torch::kInt32);
        for (size_t i = 0; i < image.pixels.size(); ++i)
            image.pixels[i] = uint8_t(i % 7 == 0 ? noise[int64_t(i)].item<int>() : (i / 3) % 251);  // runs and noise
        const std::string png = encode_png(image);
        int w = 0, h = 0, n = 0;
        unsigned char* back = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()), int(png.size()),
                                                    &w, &h, &n, 0);
        REQUIRE(back);
        CHECK(w == 37);
        CHECK(h == 23);
        CHECK(n == channels);
        CHECK(std::equal(image.pixels.begin(), image.pixels.end(), back));
        stbi_image_free(back);
    }
    CHECK_THROWS_AS(encode_png(Image()), std::runtime_error);
}

TEST_CASE("command JSON: both ways, whole numbers only, the command line's ranges") {
    using nlohmann::json;
    for (const RunCommand& c : {RunCommand{RunCommand::Kind::Pause}, RunCommand{RunCommand::Kind::Start},
                                RunCommand{RunCommand::Kind::Step, 7}, RunCommand{RunCommand::Kind::Save},
                                RunCommand{RunCommand::Kind::LearningRates, 0, 3e-4, 1e-4},
                                RunCommand{RunCommand::Kind::BatchSize, 0, 0, 0, 48}}) {
        const RunCommand back = command_from_json(command_to_json(c));
        CHECK(back.kind == c.kind);
        if (c.kind == RunCommand::Kind::Step) CHECK(back.steps == c.steps);
        CHECK(back.lr_g == c.lr_g);
        CHECK(back.lr_d == c.lr_d);
        CHECK(back.batch_size == c.batch_size);
    }
    CHECK_THROWS_AS(command_to_json({RunCommand::Kind::Revert}), std::invalid_argument);
    CHECK(command_from_json(json::parse(R"({"command": "batch", "batch": 32.0})")).batch_size == 32);
    CHECK(command_from_json(json::parse(R"({"command": "lr", "lr": 2e-4})")).lr_d == 2e-4);
    auto refused = [](const char* body) -> std::string {
        try {
            command_from_json(json::parse(body));
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    CHECK(refused(R"({"command": "batch", "batch": 2.5})") == "batch: 2.5 is not a whole number");
    CHECK(refused(R"({"command": "batch", "batch": 4096.9})") == "batch: 4096.9 is not a whole number");
    CHECK(refused(R"({"command": "batch", "batch": 5000})") == "batch: --batch 5000: use 1 to 4096");
    CHECK(refused(R"({"command": "batch", "batch": 1e300})").find("out of range") != std::string::npos);
    CHECK(refused(R"({"command": "step", "steps": "3"})").find("whole number") != std::string::npos);
    CHECK(refused(R"({"command": "lr", "lr": 1})").find("--lr-g 1: a learning rate is in (0, 1)") != std::string::npos);
    CHECK(refused(R"({"command": "lr", "lr_g": 1e-4})").find("give lr") != std::string::npos);
    CHECK(refused(R"({"command": "fly"})").find("unknown command 'fly'") == 0);
    CHECK(refused(R"([1, 2])").find("send {") == 0);
}

TEST_CASE("serve: endpoints, the token, and every refusal, while training goes on") {
    const std::string dir = work_dir("serve");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.config.history_every = 4;
    t.config.checkpoint_every = 1000000;  // checkpoint.pt only when asked to save
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
    for (const char* key : {"epoch", "loss_g", "loss_d", "d_real", "d_fake", "images_per_sec", "lr_g_now", "step_ms", "data"})
        CHECK(status.contains(key));

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

    // The grids the run kept: listed by step, fetched by step as the PNG the trainer wrote, never by path.
    REQUIRE(wait_for([&] { return get_json(c, "/api/samples").size() >= 2; }));
    const nlohmann::json kept = get_json(c, "/api/samples");
    CHECK(kept[0]["step"].get<int64_t>() < kept[1]["step"].get<int64_t>());
    auto kept_png = c.Get(kept[0]["url"].get<std::string>().c_str());
    REQUIRE(kept_png);
    CHECK(kept_png->status == 200);
    CHECK(kept_png->get_header_value("Content-Type") == "image/png");
    char kept_name[40];
    std::snprintf(kept_name, sizeof kept_name, "/samples/step_%08lld.png",
                  static_cast<long long>(kept[0]["step"].get<int64_t>()));
    std::ifstream kept_file(t.run_dir + kept_name, std::ios::binary);
    CHECK(kept_png->body == std::string(std::istreambuf_iterator<char>(kept_file), {}));
    CHECK(c.Get("/api/samples/999999999")->status == 404);
    CHECK(c.Get("/api/samples/../config.json")->status == 404);

    // The page and its files come from the binary, under a policy that runs only the server's own scripts.
    auto page = c.Get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'self';") != std::string::npos);
    CHECK(page->body.find("/static/app.js") != std::string::npos);
    for (const char* file :
         {"/static/app.js", "/static/app.css", "/static/dygraph.min.js", "/static/dygraph.min.css"}) {
        auto r = c.Get(file);
        REQUIRE(r);
        CHECK_MESSAGE(r->status == 200, file);
        CHECK(r->body.size() > 500);
    }
    CHECK(c.Get("/static/app.js")->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(c.Get("/static/nothing.js")->status == 404);
    CHECK(c.Get("/static/../run_server.cpp")->status == 404);

    // Commands: the token, the body, the command, each refusal changes nothing.
    const nlohmann::json settings = get_json(c, "/api/status");
    const int64_t before = settings["step"];
    CHECK(post(c, R"({"command": "pause"})", {}) == 401);
    CHECK(post(c, R"({"command": "save"})", {}) == 401);
    CHECK(post(c, R"({"command": "save"})", bearer("0123456789abcdef0123456789abcdef")) == 401);
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
        CHECK_FALSE(fs::exists(t.run_dir + "/checkpoint.pt"));  // and the refused saves wrote nothing
    }
    CHECK(post(c, R"({"command": "save"})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return fs::exists(t.run_dir + "/checkpoint.pt"); }));
    CHECK(post(c, R"({"command": "lr", "lr_g": 0.001, "lr_d": 0.0005})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["lr_g"].get<double>() == doctest::Approx(0.001); }));
    CHECK(post(c, R"({"command": "pause"})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["state"] == "paused"; }));
    CHECK(post(c, R"({"command": "resume"})", bearer(server.token())) == 200);
    REQUIRE(wait_for([&] { return get_json(c, "/api/status")["state"] == "running"; }));

    // Event streams: status and metric records arrive; at the stream limit the next stream gets 503 (with
    // Retry-After) while plain requests are still answered; training goes on meanwhile.
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
    {
        auto refused = c.Get("/api/events");
        REQUIRE(refused);
        CHECK(refused->status == 503);
        CHECK(refused->get_header_value("Retry-After") != "");
        CHECK(server.active_clients() == o.max_clients);
    }
    CHECK(c.Get("/api/status")->status == 200);
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


TEST_CASE("serve: 32 watchers stream and fetch every grid for 20 s; the 33rd is refused; training advances") {
    const std::string dir = work_dir("serve_load");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.run_dir = dir + "/run";
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, t.run_dir);
    ServeOptions o;  // the defaults: 32 event streams, 32 other requests at once
    o.port = 0;
    RunServer server(*source, o);
    REQUIRE(o.max_clients == 32);
    REQUIRE(wait_for([&] {
        auto s = trainer.status().latest();
        return s && s->step >= 2;
    }));

    std::atomic<bool> stop{false};
    std::atomic<int> failed_fetches{0}, streams_with_grids{0};
    std::vector<int> grids(o.max_clients, 0);
    std::vector<std::thread> watchers;
    for (int i = 0; i < o.max_clients; ++i)
        watchers.emplace_back([&, i] {
            httplib::Client events("127.0.0.1", server.port()), fetch("127.0.0.1", server.port());
            events.set_read_timeout(30, 0);
            fetch.set_read_timeout(30, 0);
            events.Get("/api/events", [&](const char* data, size_t n) {
                if (std::string(data, n).find("event: grid") != std::string::npos) {
                    auto png = fetch.Get("/api/grid.png");  // what a watching window does at every publish
                    if (png && png->status == 200 && png->body.size() > 8 && png->body.compare(1, 3, "PNG") == 0) ++grids[i];
                    else ++failed_fetches;
                }
                return !stop.load();
            });
            if (grids[i] > 1) ++streams_with_grids;
        });
    REQUIRE(wait_for([&] { return server.active_clients() == o.max_clients; }, 30));
    const int64_t from = trainer.status().latest()->step;
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(20));
    const int64_t to = trainer.status().latest()->step;
    {
        httplib::Client late("127.0.0.1", server.port());
        auto refused = late.Get("/api/events");
        REQUIRE(refused);
        CHECK(refused->status == 503);  // the 33rd watcher
        CHECK(nlohmann::json::parse(refused->body)["error"].get<std::string>().find("32") != std::string::npos);
    }
    CHECK(server.active_clients() == o.max_clients);
    stop = true;
    for (auto& w : watchers) w.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("32 watchers for " << seconds << " s: training went from step " << from << " to " << to);
    CHECK(to > from + 10);                          // training kept going under the load
    CHECK(failed_fetches.load() == 0);              // no watcher's grid fetch was refused or cut
    CHECK(streams_with_grids.load() == o.max_clients);  // every watcher saw new grids and fetched them
    REQUIRE(wait_for([&] { return server.active_clients() == 0; }, 30));
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: clients that stall mid-request are cut off at the timeout; the others and training go on") {
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions o;
    o.port = 0;
    o.timeout_seconds = 1;
    RunServer server(*source, o);
    REQUIRE(wait_for([&] {
        auto s = trainer.status().latest();
        return s && s->step >= 2;
    }));
    // Eight connections that send half a request and then nothing (slowloris), and one that sends a body's
    // headers but never the body.
    std::vector<int> stalled;
    for (int i = 0; i < 9; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(uint16_t(server.port()));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        const std::string half = i < 8 ? "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                                       : "POST /api/control HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{";
        REQUIRE(::send(fd, half.data(), half.size(), 0) == ssize_t(half.size()));
        stalled.push_back(fd);
    }
    const int64_t from = trainer.status().latest()->step;
    httplib::Client c("127.0.0.1", server.port());
    for (int i = 0; i < 5; ++i) CHECK(c.Get("/api/status")->status == 200);  // answered beside the stalled ones
    // Each stalled connection is closed by the server once its read times out (recv sees the end, or a reset).
    for (int fd : stalled) {
        timeval wait{10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        char buffer[512];
        ssize_t n = 0;
        do n = ::recv(fd, buffer, sizeof buffer, 0);  // a 408 or 400 answer may come first
        while (n > 0);
        CHECK(n <= 0);
        CHECK((n == 0 || errno == ECONNRESET));  // closed, not our 10 s receive timeout
        ::close(fd);
    }
    REQUIRE(wait_for([&] { return trainer.status().latest()->step > from + 4; }));
    CHECK(c.Get("/api/status")->status == 200);
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: dataset pages as JSON and PNG, equal to the pages read here; bad pages are refused") {
    const std::string dir = work_dir("serve_dataset");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.start_paused = true;
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions o;
    o.port = 0;
    RunServer server(*source, o);
    httplib::Client c("127.0.0.1", server.port());
    REQUIRE(wait_for([&] { return c.Get("/api/dataset")->status == 200; }));

    const nlohmann::json info = get_json(c, "/api/dataset?per_page=5&columns=2");
    CHECK(info["images"] == 16);
    CHECK(info["pages"] == 4);  // 5 + 5 + 5 + 1
    CHECK(info["per_page"] == 5);
    CHECK(info["description"].get<std::string>().find("16") != std::string::npos);
    auto png = c.Get("/api/dataset?page=2&per_page=5&columns=2");
    REQUIRE(png);
    REQUIRE(png->status == 200);
    CHECK(png->get_header_value("Content-Type") == "image/png");
    const Image served = load_image_memory(reinterpret_cast<const unsigned char*>(png->body.data()), png->body.size(), "page");
    const DatasetPage here = make_local_dataset_pages(t.config)->page(1, 5, 2);
    const Image expected = tensor_to_image(here.grid);
    CHECK(served.width == 2 * 18 + 2);   // 2 columns of 16 px cells and 2 px gutters
    CHECK(served.height == 3 * 18 + 2);  // 5 images: 3 rows
    CHECK(served.pixels == expected.pixels);
    CHECK(c.Get("/api/dataset?page=4&per_page=5&columns=2")->status == 200);  // the last, with 1 image
    CHECK(get_json(c, "/api/dataset?page=5&per_page=5", 404)["error"].get<std::string>().find("4 pages") != std::string::npos);
    get_json(c, "/api/dataset?page=0", 400);
    get_json(c, "/api/dataset?page=two", 400);
    get_json(c, "/api/dataset?per_page=0", 400);
    get_json(c, "/api/dataset?per_page=999", 400);
    get_json(c, "/api/dataset?columns=99", 400);
    get_json(c, "/api/dataset?page=-1", 400);
}
