// The door (see door.h). httplib 0.11.4 reads a request's headers inside its compiled library with no hook between
// accept and that read, and its per-connection entry point (process_and_close_socket) is a private virtual: this
// file alone sees it as protected so that the door can override it and call the original after its checks.
// Every header httplib.h includes is included first, so the macro touches only httplib's own declarations.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#define private protected
#include <httplib.h>
#undef private

#include "viewer/serve/door.h"

namespace ganscope {
namespace {

using Clock = std::chrono::steady_clock;

enum class Head { Whole, TimedOut, TooLarge, Dropped, Gone };

std::string peer_address(int sock) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
    char host[NI_MAXHOST] = "?";
    getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
    return host;
}

// The refusal, then a lingering close: what the client still sends is read and dropped for a moment (at most
// 2 s, 4 MiB), since closing with unread bytes resets the connection and the client may lose the answer.
void refuse(int sock, const char* status_line) {
    const std::string text =
        std::string("HTTP/1.1 ") + status_line + "\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";
    (void)::send(sock, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(sock, SHUT_WR);
    const auto until = Clock::now() + std::chrono::seconds(2);
    char buffer[16384];
    size_t drained = 0;
    while (Clock::now() < until && drained < (4u << 20)) {
        pollfd fd{sock, POLLIN, 0};
        if (::poll(&fd, 1, 100) < 0) break;
        const ssize_t n = ::recv(sock, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
        if (n > 0) drained += size_t(n);
    }
}

// Where the head ends ("\r\n\r\n", or "\n\n" from lenient clients) and how many lines it has; npos if not yet.
size_t head_end(const char* p, size_t n, size_t& lines) {
    lines = 0;
    for (size_t i = 0; i < n; ++i) {
        if (p[i] != '\n') continue;
        const bool blank = (i >= 1 && p[i - 1] == '\n') || (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n');
        if (blank) return i + 1;
        ++lines;
    }
    return std::string::npos;
}

class DoorServer final : public httplib::Server, public Door {
public:
    explicit DoorServer(const DoorOptions& options) : m_options(options) {}

    DoorCounters counters() const override {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_counters;
    }
    size_t pending() const override {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_pending.size();
    }
    void close() override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closed = true;
        for (auto& p : m_pending) drop(*p);
    }

private:
    struct Pending {
        int sock;
        std::string address;
        Clock::time_point since;
        bool dropped = false;
    };

    // Under m_mutex: the socket is still open (its thread unregisters it before closing it).
    static void drop(Pending& p) {
        p.dropped = true;
        ::shutdown(p.sock, SHUT_RD);  // wakes its thread's poll
    }

    std::shared_ptr<Pending> enter(int sock) {
        auto p = std::make_shared<Pending>(Pending{sock, peer_address(sock), Clock::now()});
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_closed) return nullptr;
        size_t same = 0;
        std::shared_ptr<Pending> oldest_same, oldest;
        for (auto& q : m_pending) {
            if (q->dropped) continue;
            if (!oldest || q->since < oldest->since) oldest = q;
            if (q->address != p->address) continue;
            ++same;
            if (!oldest_same || q->since < oldest_same->since) oldest_same = q;
        }
        // A new connection is never refused for the old ones: the oldest still sending its head makes room.
        if (same >= m_options.pending_per_address && oldest_same)
            drop(*oldest_same), ++m_counters.dropped;
        else if (m_pending.size() >= m_options.pending_total && oldest)
            drop(*oldest), ++m_counters.dropped;
        m_pending.push_back(p);
        return p;
    }

    void leave(const std::shared_ptr<Pending>& p, Head result) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.erase(std::remove(m_pending.begin(), m_pending.end(), p), m_pending.end());
        if (result == Head::Whole) ++m_counters.admitted;
        if (result == Head::TimedOut) ++m_counters.timed_out;
        if (result == Head::TooLarge) ++m_counters.too_large;
    }

    bool is_dropped(const Pending& p) const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return p.dropped;
    }

    // Peeks (the bytes stay for httplib to read) until the head is whole, too large, late or gone.
    Head wait_for_head(const Pending& p) {
        const auto start = Clock::now();
        const auto deadline =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_options.head_seconds));
        const auto stall =
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_options.stall_seconds));
        std::vector<char> buf(m_options.max_head_bytes + 1);
        size_t seen = 0;
        auto last_byte = start;
        Head result = Head::TimedOut;
        for (;;) {
            if (is_dropped(p)) {
                result = Head::Dropped;
                break;
            }
            const ssize_t n = ::recv(p.sock, buf.data(), buf.size(), MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                result = Head::Gone;
                break;
            }
            const auto now = Clock::now();
            if (n > 0) {
                size_t lines = 0;
                if (head_end(buf.data(), size_t(n), lines) != std::string::npos) {
                    result = lines > m_options.max_headers + 1 ? Head::TooLarge : Head::Whole;  // + the request line
                    break;
                }
                if (lines > m_options.max_headers + 1 || size_t(n) > m_options.max_head_bytes) {
                    result = Head::TooLarge;
                    break;
                }
                if (size_t(n) > seen) {
                    seen = size_t(n);
                    last_byte = now;
                    const int more = int(seen + 1);  // wake on new bytes, not on those already peeked
                    setsockopt(p.sock, SOL_SOCKET, SO_RCVLOWAT, &more, sizeof more);
                }
            }
            if (now >= deadline || now - last_byte >= stall) break;  // TimedOut
            const auto wait = std::min({deadline - now, last_byte + stall - now,
                                        std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(250))});
            pollfd fd{p.sock, POLLIN | POLLRDHUP, 0};
            const int ready =
                ::poll(&fd, 1, int(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1);
            if (ready > 0 && (fd.revents & (POLLHUP | POLLERR)) && !(fd.revents & POLLIN)) {
                result = Head::Gone;
                break;
            }
        }
        const int one = 1;
        setsockopt(p.sock, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
        return result;
    }

    bool process_and_close_socket(int sock) override {
        const std::shared_ptr<Pending> p = enter(sock);
        if (!p) {  // the server is stopping
            ::shutdown(sock, SHUT_RDWR);
            ::close(sock);
            return false;
        }
        const Head head = wait_for_head(*p);
        // Refusals are answered while still counted as pending: their lingering close holds a thread too.
        if (head == Head::TimedOut) refuse(sock, "408 Request Timeout");
        if (head == Head::TooLarge) refuse(sock, "431 Request Header Fields Too Large");
        if (head == Head::Dropped) refuse(sock, "503 Service Unavailable");
        leave(p, head);
        if (head == Head::Whole) return httplib::Server::process_and_close_socket(sock);
        ::close(sock);
        return false;
    }

    DoorOptions m_options;
    mutable std::mutex m_mutex;
    std::vector<std::shared_ptr<Pending>> m_pending;
    DoorCounters m_counters;
    bool m_closed = false;
};

}  // namespace

std::unique_ptr<httplib::Server> make_door_server(const DoorOptions& options, Door*& door) {
    auto server = std::make_unique<DoorServer>(options);
    door = server.get();
    return server;
}

}  // namespace ganscope
