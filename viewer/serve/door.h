// The door in front of RunServer's routes: every connection's request head must arrive whole within a deadline,
// within a size and a header count, before a server thread starts on it, and the connections still sending
// their head are bounded per client address and in all (the oldest is dropped when a new one comes), so clients
// that trickle headers cannot hold the server's threads. Server threads; construct and stop on one thread.
#pragma once

#include <cstddef>
#include <memory>

namespace httplib {
class Server;
}

namespace ganscope {

struct DoorOptions {
    double head_seconds = 10;  // the whole request head (request line and headers)
    double stall_seconds = 5;  // between two of its bytes
    size_t max_head_bytes = 32 * 1024;
    size_t max_headers = 100;
    size_t pending_per_address = 8;  // connections still sending their head, per client address
    size_t pending_total = 24;       // and in all: the threads they may hold
};

struct DoorCounters {
    size_t admitted = 0;
    size_t timed_out = 0;  // the head did not arrive in time (408)
    size_t too_large = 0;  // too many headers or bytes (431)
    size_t dropped = 0;    // the oldest pending connection, dropped for a newer one
};

class Door {
public:
    virtual ~Door() = default;
    virtual DoorCounters counters() const = 0;
    virtual size_t pending() const = 0;
    // Drops every pending connection and refuses new ones: the server then stops within its timeouts.
    virtual void close() = 0;
};

// An httplib::Server whose connections pass the door first; `door` is set to the server's door (owned by it).
std::unique_ptr<httplib::Server> make_door_server(const DoorOptions& options, Door*& door);

}  // namespace ganscope
