// --serve against clients that mean harm or send what a server does not expect: names that are not UTF-8, bad
// query values, non-integer commands, connections that trickle their headers, a flood of headers, and a server
// destroyed the moment it starts. Loopback only, tens of connections, every wait bounded. Test thread.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "../ml/test_util.h"
#include "viewer/serve/run_server.h"
#include "serve_support.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

// A DCGAN small enough to train in the test's seconds (as window_support.h's; this file needs no window).
TrainConfig tiny_config(const std::string& data) {
    TrainConfig c;
    c.data = data;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 16;
    c.g_width = 8;
    c.d_width = 8;
    c.batch_size = 8;
    c.grid_count = 9;
    c.sample_every = 2;
    c.snapshot_every = 2;
    c.log_every = 1;
    c.loader_workers = 1;
    c.seed = 5;
    return c;
}

std::string work_dir(const std::string& name) {
    auto dir = fs::path(GANSCOPE_BINARY_DIR) / "test-work" / "viewer" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

int connect_to(int port, bool nonblocking = false) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

// Sends `request` whole and reads the answer's status line (empty if the server closed without one).
std::string exchange(int port, const std::string& request, double seconds = 10) {
    const int fd = connect_to(port);
    timeval wait{long(seconds), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait);
    size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // refused mid-way: its answer may be waiting
        sent += size_t(n);
    }
    std::string answer;
    char buffer[4096];
    for (ssize_t n; answer.find("\r\n") == std::string::npos && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
        answer.append(buffer, size_t(n));
    ::close(fd);
    return answer.substr(0, answer.find("\r\n"));
}

}  // namespace

TEST_CASE("serve: a run folder named with bytes that are not UTF-8 is served; bad query values are 400 in one line") {
    const std::string dir = work_dir("serve_bytes");
    TrainerOptions t;
    t.config = tiny_config(synthetic_folder("viewer_serve_bytes", 16));
    t.run_dir = dir + "/x\xff";
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, t.run_dir);
    ServeOptions o;
    o.port = 0;
    RunServer server(*source, o);
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(10, 0);
    REQUIRE(wait_for([&] {
        auto s = trainer.status().latest();
        return s && s->step >= 2;
    }));
    auto r = c.Get("/api/status");
    REQUIRE(r);
    CHECK(r->status == 200);  // 500 before: the name made the JSON writer throw
    const nlohmann::json status = nlohmann::json::parse(r->body);
    CHECK(status["run"] == dir + "/x\xef\xbf\xbd");

    // The event stream carries the same status; a throw on its thread ended the whole process before.
    std::string events;
    auto stream = c.Get("/api/events", [&](const char* data, size_t n) {
        events.append(data, n);
        return events.find("event: status") == std::string::npos;  // enough once the first status came
    });
    CHECK(events.find("\"run\":\"" + dir + "/x\xef\xbf\xbd\"") != std::string::npos);

    const std::vector<std::pair<std::string, std::string>> bad_queries = {
        {"/api/metrics?since=%ff", "since=\\xff"},
        {"/api/metrics?since=99999999999999999999999", "since=9999"},
        {"/api/dataset?page=%ff", "page=\\xff"},
        {"/api/dataset?page=1&per_page=%00", "per_page=\\x00"},
        {"/api/dataset?columns=4.5", "columns=4.5"}};
    for (const auto& bad_query : bad_queries) {
        const std::string& query = bad_query.first;
        const std::string& quoted = bad_query.second;
        INFO(query);
        auto bad = c.Get(query.c_str());
        REQUIRE(bad);
        CHECK(bad->status == 400);  // 500 with the exception's text in a header before
        CHECK(!bad->has_header("EXCEPTION_WHAT"));
        const std::string error = nlohmann::json::parse(bad->body)["error"];
        CHECK(error.find('\n') == std::string::npos);
        CHECK(error.find(quoted) != std::string::npos);
    }
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: batch 2.5 and 4096.9 and steps 1.5 are refused, not rounded") {
    TrainerOptions t;
    t.config = tiny_config(synthetic_folder("viewer_serve_batch", 16));
    t.start_paused = true;
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions o;
    o.port = 0;
    RunServer server(*source, o);
    httplib::Client c("127.0.0.1", server.port());
    const httplib::Headers token{{"Authorization", "Bearer " + server.token()}};
    for (const char* body : {R"({"command": "batch", "batch": 2.5})", R"({"command": "batch", "batch": 4096.9})",
                             R"({"command": "batch", "batch": "8"})", R"({"command": "step", "steps": 1.5})"}) {
        INFO(body);
        auto r = c.Post("/api/control", token, body, "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
    }
    auto ok = c.Post("/api/control", token, R"({"command": "batch", "batch": 8})", "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    // A POST without the token is refused before its body is read.
    auto no = c.Post("/api/control", R"({"command": "pause"})", "application/json");
    REQUIRE(no);
    CHECK(no->status == 401);
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: 40 connections trickling headers lock nobody out; heads are bounded in time, size and count") {
    TrainerOptions t;
    t.config = tiny_config(synthetic_folder("viewer_serve_slow", 16));
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions o;
    o.port = 0;
    o.max_clients = 4;  // a small server: without the door 16 threads, which 40 tricklers would all hold
    o.max_requests = 4;
    o.door.head_seconds = 4;
    o.door.stall_seconds = 2;
    RunServer server(*source, o);
    REQUIRE(wait_for([&] {
        auto s = trainer.status().latest();
        return s && s->step >= 2;
    }));

    // The attack: 40 connections, each sending one more header line every 300 ms and reconnecting when dropped,
    // for 8 s, from one test thread (non-blocking sockets).
    std::atomic<bool> attacking{true};
    std::atomic<int> connections{0};
    std::thread attacker([&] {
        std::vector<int> fds;
        for (int i = 0; i < 40; ++i) {
            fds.push_back(connect_to(server.port(), true));
            ++connections;
        }
        int line = 0;
        while (attacking) {
            for (int& fd : fds) {
                const std::string text = line == 0 ? "GET /api/status HTTP/1.1\r\nHost: x\r\n"
                                                   : "X-Slow-" + std::to_string(line) + ": 1\r\n";
                char sink[256];
                const ssize_t got = ::recv(fd, sink, sizeof sink, 0);
                if (got >= 0 || ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) < 0) {  // answered or dropped
                    ::close(fd);
                    fd = connect_to(server.port(), true);
                    ++connections;
                    const std::string start = "GET /api/status HTTP/1.1\r\nHost: x\r\n";
                    (void)::send(fd, start.data(), start.size(), MSG_NOSIGNAL);
                }
            }
            ++line;
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        for (int fd : fds) ::close(fd);
    });
    REQUIRE(wait_for([&] { return connections.load() >= 40; }, 10));
    // Everyone else is answered meanwhile, promptly, and training goes on.
    const int64_t from = trainer.status().latest()->step;
    httplib::Client c("127.0.0.1", server.port());
    c.set_connection_timeout(3, 0);
    c.set_read_timeout(3, 0);
    int answered = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(6);
    int asked = 0;
    while (std::chrono::steady_clock::now() < until) {
        auto r = c.Get("/api/status");
        ++asked;
        if (r && r->status == 200) ++answered;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    attacking = false;
    attacker.join();
    MESSAGE("answered " << answered << " of " << asked << " status requests beside 40 trickling connections ("
                        << connections.load() << " opened); door: dropped " << server.door_counters().dropped
                        << ", timed out " << server.door_counters().timed_out);
    CHECK(answered == asked);
    CHECK(server.door_counters().dropped + server.door_counters().timed_out > 0);
    CHECK(trainer.status().latest()->step > from);

    // 100,000 headers are not read: past 100 the answer is 431, at once.
    std::string flood = "GET /api/status HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 100000; ++i) flood += "X-" + std::to_string(i) + ": 1\r\n";
    flood += "\r\n";
    CHECK(exchange(server.port(), flood).find("431") != std::string::npos);
    // A head that never ends is cut at the deadline with 408, however steadily it trickles.
    const auto start = std::chrono::steady_clock::now();
    const int fd = connect_to(server.port());
    timeval wait{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    std::string answer;
    for (int i = 0; i < 100 && answer.empty(); ++i) {
        const std::string text = i == 0 ? "GET /api/status HTTP/1.1\r\n" : "X-" + std::to_string(i) + ": 1\r\n";
        if (::send(fd, text.data(), text.size(), MSG_NOSIGNAL) < 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 500) > 0) {
            char buffer[256];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n > 0)
                answer.assign(buffer, size_t(n));
            else
                break;
        }
    }
    ::close(fd);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("a steadily trickling head was answered '" << answer.substr(0, answer.find("\r\n")) << "' after " << took
                                                       << " s");
    CHECK(answer.rfind("HTTP/1.1 408", 0) == 0);
    CHECK(took < 4 + 2);
    CHECK(c.Get("/api/status")->status == 200);
    trainer.stop();
    trainer.wait();
}

TEST_CASE("serve: a server destroyed the moment it starts stops at once (its accept loop never outlives it)") {
    TrainerOptions t;
    t.config = tiny_config(synthetic_folder("viewer_serve_quick", 16));
    t.start_paused = true;
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    auto done = std::async(std::launch::async, [&] {
        for (int i = 0; i < 50; ++i) {
            ServeOptions o;
            o.port = 0;
            RunServer server(*source, o);
        }
    });
    const bool finished = done.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
    CHECK(finished);
    if (!finished) {  // a hung destructor: report it and leave, rather than hang the suite
        std::fprintf(stderr, "serve_door_test: RunServer's destructor hung\n");
        std::_Exit(1);
    }
    trainer.stop();
    trainer.wait();
}
