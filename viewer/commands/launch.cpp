// The local launcher behind `--nproc N`: fork + exec of this program once per rank. Main thread.
#include "viewer/commands/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "viewer/commands/cli.h"

namespace ganscope {
namespace {

std::atomic<int> g_forward{0};  // signals to pass on to the ranks
void on_signal(int sig) { g_forward.store(sig); }

// A port the kernel says is free now (rank 0 binds it a moment later).
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error(std::string("--nproc: cannot open a socket (") + std::strerror(errno) + ")");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        close(fd);
        throw std::runtime_error(std::string("--nproc: no free port on 127.0.0.1 (") + std::strerror(errno) + ")");
    }
    const int port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

std::string describe(int status) {
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

namespace {

struct Rendezvous {
    std::string addr, port;
};

Rendezvous local_rendezvous() {
    const char* user_port = std::getenv("MASTER_PORT");
    const char* user_addr = std::getenv("MASTER_ADDR");
    return {user_addr && *user_addr ? std::string(user_addr) : "127.0.0.1",
            user_port && *user_port ? std::string(user_port) : std::to_string(free_port())};
}

void set_rank_environment(int rank, int nproc, const Rendezvous& at) {
    setenv("RANK", std::to_string(rank).c_str(), 1);
    setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
    setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
    setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
    setenv("MASTER_ADDR", at.addr.c_str(), 1);
    setenv("MASTER_PORT", at.port.c_str(), 1);
    unsetenv("TORCHELASTIC_USE_AGENT_STORE");
}

pid_t spawn_rank(std::vector<std::string> args, int rank, int nproc, const Rendezvous& at) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("--nproc: cannot start rank ") + std::to_string(rank) + " (" + std::strerror(errno) + ")");
    if (pid > 0) return pid;
    setpgid(0, 0);  // a terminal's Ctrl-C reaches the launcher only, which passes it on once
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    set_rank_environment(rank, nproc, at);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    std::cerr << "ganscope: rank " << rank << ": cannot start (" << std::strerror(errno) << ")" << std::endl;
    std::_Exit(127);
}

}  // namespace

int wait_ranks(std::vector<int> pids, int first_rank, std::chrono::seconds timeout) {
    int result = 0, running = 0, first_failed = -1;
    for (int pid : pids) running += pid > 0;
    auto deadline = std::chrono::steady_clock::time_point::max();
    while (running > 0) {
        if (const int sig = g_forward.exchange(0)) {
            for (pid_t pid : pids)
                if (pid > 0) kill(pid, sig);
        }
        int status = 0;
        const pid_t done = waitpid(-1, &status, WNOHANG);
        if (done <= 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                for (size_t i = 0; i < pids.size(); ++i)
                    if (pids[i] > 0) {
                        std::cerr << "ganscope: rank " << first_rank + int(i) << " did not stop after rank " << first_failed
                                  << " failed; ending it" << std::endl;
                        kill(pids[i], SIGKILL);
                    }
                deadline = std::chrono::steady_clock::time_point::max();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        int rank = -1;
        for (size_t i = 0; i < pids.size(); ++i)
            if (pids[i] == done) rank = first_rank + int(i), pids[i] = -1;
        if (rank < 0) continue;
        --running;
        const int code = exit_code(status);
        if (code != 0 && result == 0) result = code;
        if (code != 0 && code != 130 && first_failed < 0) {
            first_failed = rank;
            if (running > 0) {
                std::cerr << "ganscope: rank " << rank << " " << describe(status) << "; the other ranks stop within --dist-timeout" << std::endl;
                deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(15);
            }
        }
    }
    return result;
}

int launch_local_ranks(int argc, char** argv, int nproc, std::chrono::seconds timeout) {
    if (nproc < 1 || nproc > 256) throw UsageError("--nproc " + std::to_string(nproc) + ": use 1 to 256 ranks");
    // The same command without --nproc, run by each rank.
    std::vector<std::string> args{"/proc/self/exe"};
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--nproc") { ++i; continue; }
        if (a.rfind("--nproc=", 0) == 0) continue;
        args.push_back(a);
    }
    const Rendezvous at = local_rendezvous();
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::vector<int> pids;
    for (int r = 0; r < nproc; ++r) pids.push_back(spawn_rank(args, r, nproc, at));
    return wait_ranks(pids, 0, timeout);
}

std::vector<int> start_helper_ranks(int argc, char** argv, int nproc, const std::set<std::string>& train_values,
                                    const std::set<std::string>& train_flags) {
    if (nproc < 1 || nproc > 256) throw UsageError("--nproc " + std::to_string(nproc) + ": use 1 to 256 ranks");
    // Ranks 1..N-1 get the training options only (no window options, no --paused: rank 0 decides).
    std::vector<std::string> args{"/proc/self/exe", "train", "--headless"};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) != 0) continue;
        const auto eq = a.find('=');
        std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const bool inline_value = eq != std::string::npos;
        const bool takes_value = train_values.count(name) || !train_flags.count(name);
        if (name == "nproc" || name == "paused" || name == "headless") {
            if (name == "nproc" && !inline_value) ++i;
            continue;
        }
        if (train_values.count(name)) {
            args.push_back(a);
            if (!inline_value && i + 1 < argc) args.push_back(argv[++i]);
        } else if (train_flags.count(name)) {
            args.push_back(a);
        } else if (takes_value && !inline_value && i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
            ++i;  // a window option's value
        }
    }
    const Rendezvous at = local_rendezvous();
    set_rank_environment(0, nproc, at);  // this process, the window, is rank 0
    std::vector<int> pids;
    for (int r = 1; r < nproc; ++r) pids.push_back(spawn_rank(args, r, nproc, at));
    return pids;
}

}  // namespace ganscope
