// `--serve [HOST:]PORT`: an HTTP server inside the process that trains (or shows) a run, so a window or a browser
// elsewhere can follow and steer it. Built as a door: loopback unless told otherwise, a token for every command
// (and for every request off loopback), bounded bodies, streams and requests, timeouts; it reads the run only through its
// RunSource's latest-wins slots, so no client can stall training. Construct and destroy on one thread; requests
// are answered on the server's own threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "viewer/serve/door.h"
#include "viewer/sources/run_source.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace ganscope {

struct ServeOptions {
    std::string host = "127.0.0.1";  // loopback: reach it from elsewhere through `ssh -L PORT:127.0.0.1:PORT`
    int port = 8080;                 // 0: any free port (tests)
    std::string token;               // empty: one is generated
    std::string token_file;          // where the token is written (mode 0600); empty: not written
    int max_clients = 32;            // event streams (watching windows, pages) at once; the next one gets 503
    int max_requests = 32;           // other requests being answered at once; more get 503
    int reserved_requests = 8;       // more requests with the token beyond max_requests
    size_t max_control_bytes = 64 * 1024;
    size_t max_translate_bytes = 4 * 1024 * 1024;
    double timeout_seconds = 5;      // reading a request, writing a response
    DoorOptions door;                // request heads: deadline, size, header count, connections per address
};

// "8080", ":8080", "127.0.0.1:8080", "0.0.0.0:8080" -> host and port; throws std::invalid_argument with one line.
void parse_serve_address(const std::string& text, ServeOptions& options);
// 32 hex digits from the system's random source.
std::string generate_token();
// Equal strings, in time that depends only on their lengths.
bool same_token(const std::string& a, const std::string& b);
bool is_loopback(const std::string& host);

class RunServer {
public:
    // Binds and starts serving; throws std::runtime_error naming the address when it cannot bind.
    RunServer(RunSource& source, ServeOptions options);
    ~RunServer();  // stops: event streams end, threads join
    RunServer(const RunServer&) = delete;
    RunServer& operator=(const RunServer&) = delete;

    int port() const { return m_port; }
    const std::string& token() const { return m_options.token; }
    std::string url() const;  // http://HOST:PORT
    int active_clients() const { return m_streams.load(); }  // open event streams
    int active_requests() const { return m_active.load(); }
    DoorCounters door_counters() const { return m_door->counters(); }

private:
    void routes();
    void serve_events(const httplib::Request& req, httplib::Response& res);  // run_server_events.cpp
    std::string status_json() const;

    RunSource& m_source;
    ServeOptions m_options;
    Door* m_door = nullptr;  // owned by m_server
    std::unique_ptr<httplib::Server> m_server;
    int m_port = 0;
    std::atomic<int> m_active{0};   // requests being answered (event streams apart)
    std::atomic<int> m_streams{0};  // open event streams
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_listen_ended{false};
    std::thread m_thread;
};

}  // namespace ganscope
