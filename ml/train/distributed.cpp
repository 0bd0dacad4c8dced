// c10d process groups, gradient buckets and the launch environment. The trainer thread calls a
// DistGroup; its heartbeat thread uses a store connection of its own.
#include "ml/train/distributed.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "ml/train/distributed_nccl.h"

namespace ganscope {
namespace {

using Ms = std::chrono::milliseconds;

uint64_t splitmix(uint64_t a, uint64_t b) {
    uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    // SLURM writes counts like "2(x3)": the leading number is the one meant.
    if (end == v || n < 0 || n > 1 << 20)
        throw DistError(std::string(name) + "=" + v + ": expected a whole number (set by torchrun, srun or ganscope --nproc)");
    return int(n);
}

std::string env_str(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

// The first line of an exception's text, without libtorch's backtrace, at most `max` characters.
std::string first_line(const std::exception& e, size_t max = 200) {
    std::string text;
    if (auto* c = dynamic_cast<const c10::Error*>(&e)) text = c->what_without_backtrace();
    else text = e.what();
    text = text.substr(0, text.find('\n'));
    if (text.size() > max) text = text.substr(0, max) + "...";
    return text;
}

int64_t unix_ms() {
    return std::chrono::duration_cast<Ms>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string to_text(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }
std::vector<uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Tensors flattened into one buffer per dtype and device (so a broadcast or allreduce is one call each).
struct Flat {
    std::vector<torch::Tensor> members;
    torch::Tensor buffer;
    void pack() {
        std::vector<torch::Tensor> views;
        views.reserve(members.size());
        for (auto& t : members) views.push_back(t.reshape({-1}));
        buffer = torch::cat(views);
    }
    void unpack() {
        torch::NoGradGuard no_grad;
        int64_t offset = 0;
        for (auto& t : members) {
            const int64_t n = t.numel();
            t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
            offset += n;
        }
    }
};

std::vector<Flat> group_by_type(const std::vector<torch::Tensor>& tensors) {
    std::map<std::pair<int, std::string>, Flat> groups;
    for (const auto& t : tensors) {
        if (!t.defined() || t.numel() == 0) continue;
        groups[{int(t.scalar_type()), t.device().str()}].members.push_back(t);
    }
    std::vector<Flat> out;
    for (auto& [key, flat] : groups) out.push_back(std::move(flat));
    return out;
}

}  // namespace

DistOptions dist_options_from_env() {
    DistOptions o;
    if (std::getenv("WORLD_SIZE")) {
        o.force = true;  // a launcher asked for a group, even of one rank (as torchrun with one process)
        o.world_size = env_int("WORLD_SIZE", 1);
        o.rank = env_int("RANK", 0);
        o.local_rank = env_int("LOCAL_RANK", o.rank);
        o.local_world_size = env_int("LOCAL_WORLD_SIZE", o.world_size);
    } else if (std::getenv("SLURM_NTASKS") && std::getenv("SLURM_PROCID")) {
        o.world_size = env_int("SLURM_NTASKS", 1);
        o.rank = env_int("SLURM_PROCID", 0);
        o.local_rank = env_int("SLURM_LOCALID", 0);
        o.local_world_size = std::max(1, env_int("SLURM_NTASKS_PER_NODE", 1));
    }
    if (o.world_size < 1) throw DistError("WORLD_SIZE=0: use 1 or more ranks");
    if (o.rank >= o.world_size)
        throw DistError("RANK=" + std::to_string(o.rank) + " is not below WORLD_SIZE=" + std::to_string(o.world_size));
    o.master_addr = env_str("MASTER_ADDR", o.master_addr);
    o.master_port = env_int("MASTER_PORT", o.master_port);
    if (o.master_port < 1 || o.master_port > 65535)
        throw DistError("MASTER_PORT=" + std::to_string(o.master_port) + ": use a TCP port from 1 to 65535");
    o.agent_store = env_str("TORCHELASTIC_USE_AGENT_STORE", "") == "True";
    o.restart_count = env_int("TORCHELASTIC_RESTART_COUNT", 0);
    return o;
}

torch::Device rank_device(torch::Device requested, const DistOptions& options, int cuda_count) {
    if (!options.enabled() || !requested.is_cuda()) return requested;
    const int local_ranks = std::max(options.local_world_size, options.local_rank + 1);
    if (local_ranks > cuda_count)
        throw DistError("rank " + std::to_string(options.rank) + ": " + std::to_string(local_ranks) +
                        " ranks on this machine but " + std::to_string(cuda_count) + " GPU" +
                        (cuda_count == 1 ? "" : "s") +
                        ", and NCCL needs a GPU for each; use --device cpu (Gloo) or at most " +
                        std::to_string(cuda_count) + " rank" + (cuda_count == 1 ? "" : "s") + " a machine");
    return torch::Device(torch::kCUDA, c10::DeviceIndex(options.local_rank));
}

torch::Device collective_device(const std::string& backend, torch::Device training_device) {
    if (backend == "gloo") return torch::Device(torch::kCPU);
    if (backend == "nccl") {
        if (!training_device.is_cuda() || !training_device.has_index())
            throw std::logic_error("collective_device: NCCL needs the rank's GPU, not " + training_device.str());
        return training_device;
    }
    throw std::logic_error("collective_device: unknown backend " + backend);
}

// ---------------------------------------------------------------------------------------------------------

struct DistGroup::Impl {
    c10::intrusive_ptr<c10d::TCPStore> tcp;
    c10::intrusive_ptr<c10d::Store> store;    // this run's keys (prefixed by the restart attempt)
    c10::intrusive_ptr<c10d::Store> beat;     // the heartbeat thread's own connection
    c10::intrusive_ptr<c10d::Store> probe;    // read when something failed, with a short timeout
    c10::intrusive_ptr<c10d::Backend> backend;
    std::string name;
    std::atomic<int64_t> step{0};
    std::mutex mutex;
    std::condition_variable cv;
    bool quit = false;
    std::thread beat_thread;
};

DistGroup::DistGroup(const DistOptions& options, torch::Device device)
    : m_impl(std::make_unique<Impl>()), m_options(options) {
    const std::string where = m_options.master_addr + ":" + std::to_string(m_options.master_port);
    const bool server = !m_options.agent_store && m_options.rank == 0;
    const std::string seconds = std::to_string(m_options.timeout.count() / 1000) + " s";
    c10d::TCPStoreOptions so;
    so.port = uint16_t(m_options.master_port);
    so.isServer = server;
    so.numWorkers = m_options.world_size;
    so.waitWorkers = false;
    so.timeout = m_options.timeout;
    try {
        m_impl->tcp = c10::make_intrusive<c10d::TCPStore>(m_options.master_addr, so);
        m_impl->probe = m_impl->tcp->clone();
        m_impl->beat = m_impl->tcp->clone();
    } catch (const std::exception& e) {
        const std::string why = first_line(e);
        if (server && (why.find("in use") != std::string::npos || why.find("EADDRINUSE") != std::string::npos))
            throw DistError("rank 0: MASTER_PORT " + std::to_string(m_options.master_port) + " on " + m_options.master_addr +
                            " is already in use; pick a free port with MASTER_PORT=...");
        if (server)
            throw DistError("rank 0: cannot host the store at " + where + " (" + why + "); check MASTER_ADDR is this machine");
        throw DistError("rank " + std::to_string(m_options.rank) + ": cannot reach the master at " + where + " within " +
                        seconds + "; is rank 0 running there, are MASTER_ADDR and MASTER_PORT right?");
    }
    m_impl->probe->setTimeout(Ms(3000));
    const std::string prefix = "ganscope/" + std::to_string(m_options.restart_count) + "/";
    m_impl->store = c10::make_intrusive<c10d::PrefixStore>(prefix, m_impl->tcp);
    m_impl->beat = c10::make_intrusive<c10d::PrefixStore>(prefix, m_impl->beat);
    m_impl->probe = c10::make_intrusive<c10d::PrefixStore>(prefix, m_impl->probe);
    m_impl->beat->set("alive/" + std::to_string(rank()), to_bytes(std::to_string(unix_ms()) + " 0"));

    try {
        if (device.is_cuda()) {
            m_impl->backend = make_nccl_backend(c10::make_intrusive<c10d::PrefixStore>("nccl", m_impl->store), rank(),
                                                world_size(), m_options.timeout, std::max(0, int(device.index())));
            m_impl->name = "nccl";
        } else {
            auto opts = c10d::ProcessGroupGloo::Options::create(m_options.timeout);
            const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
            if (loopback(m_options.master_addr))
                opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else if (iface && *iface)
                opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
            else
                opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            m_impl->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(
                c10::make_intrusive<c10d::PrefixStore>("gloo", m_impl->store), rank(), world_size(), opts);
            m_impl->name = "gloo";
        }
    } catch (const DistError&) {
        throw;
    } catch (const std::exception& e) {
        throw DistError("rank " + std::to_string(rank()) + ": not all " + std::to_string(world_size()) +
                        " ranks joined at " + where + " within " + seconds + " (" + first_line(e, 120) + ")");
    }

    const c10::DeviceIndex gpu = c10::DeviceIndex(std::max(0, int(device.index())));
    m_device = collective_device(m_impl->name, device.is_cuda() ? torch::Device(torch::kCUDA, gpu) : device);

    m_impl->beat_thread = std::thread([impl = m_impl.get(), me = rank()] {
        std::unique_lock<std::mutex> lock(impl->mutex);
        while (!impl->quit) {
            lock.unlock();
            try {
                impl->beat->set("alive/" + std::to_string(me),
                                to_bytes(std::to_string(unix_ms()) + " " + std::to_string(impl->step.load())));
            } catch (const std::exception&) {
                // the store is gone (rank 0 ended): the next collective says so
            }
            lock.lock();
            impl->cv.wait_for(lock, Ms(1000), [&] { return impl->quit; });
        }
    });
}

DistGroup::~DistGroup() {
    {
        std::lock_guard<std::mutex> lock(m_impl->mutex);
        m_impl->quit = true;
    }
    m_impl->cv.notify_all();
    if (m_impl->beat_thread.joinable()) m_impl->beat_thread.join();
}

std::string DistGroup::backend_name() const { return m_impl->name; }

void DistGroup::set_step(int64_t step) { m_impl->step = step; }

void DistGroup::fail(const std::string& what, const std::exception& cause) {
    // A peer that died a moment ago still has a fresh heartbeat: watch them for a few seconds (within the
    // timeout) until one goes stale; a living rank beats every second.
    std::string blame;
    const auto until = std::chrono::steady_clock::now() + std::min(m_options.timeout, Ms(6000));
    try {
        for (;;) {
            const int64_t now = unix_ms();
            int stale = -1, behind = -1, missing = -1;
            int64_t stale_age = 0, least_step = m_impl->step.load();
            for (int q = 0; q < world_size(); ++q) {
                if (q == rank()) continue;
                const std::string key = "alive/" + std::to_string(q);
                if (!m_impl->probe->check({key})) {
                    missing = q;
                    continue;
                }
                const std::string text = to_text(m_impl->probe->get(key));
                const int64_t t = std::stoll(text), s = std::stoll(text.substr(text.find(' ') + 1));
                if (now - t > 3000 && now - t > stale_age) stale_age = now - t, stale = q;
                if (s < least_step) least_step = s, behind = q;
            }
            if (missing >= 0) blame = "rank " + std::to_string(missing) + " never joined";
            else if (stale >= 0)
                blame = "rank " + std::to_string(stale) + " stopped (no heartbeat for " + std::to_string(stale_age / 1000) + " s)";
            else if (std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(Ms(250));
                continue;
            } else if (behind >= 0)
                blame = "rank " + std::to_string(behind) + " hangs at step " + std::to_string(least_step) + " (this rank is at " +
                        std::to_string(m_impl->step.load()) + ")";
            else blame = "another rank failed";
            break;
        }
    } catch (const std::exception&) {
        blame = m_options.agent_store ? "the store at " + m_options.master_addr + ":" + std::to_string(m_options.master_port) +
                                            " (torchrun's agent) is gone"
                                      : "rank 0 stopped (it held the store, now unreachable)";
    }
    throw DistError("rank " + std::to_string(rank()) + ": " + what + " failed: " + blame + "; stopping (" +
                    first_line(cause, 120) + ")");
}

namespace {

// libtorch 2.11's flight recorder (one per process, on by default) adds a process group to its map outside its own
// lock the first time that group enqueues a collective (FlightRecorderDetail.hpp, recordWithResetEnabled). Two
// groups in one process, such as the ranks of an in-process test, then race on the map and crash. Every collective
// is enqueued under this lock; the wait for it runs outside, so the ranks still overlap.
template <typename Enqueue>
c10::intrusive_ptr<c10d::Work> enqueue_serialized(Enqueue&& enqueue) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    return enqueue();
}

}  // namespace

void DistGroup::broadcast(std::vector<torch::Tensor> tensors, int root) {
    for (auto& t : tensors) {
        const bool moved = t.device() != m_device;
        std::vector<at::Tensor> one{moved ? t.to(m_device) : t};
        c10d::BroadcastOptions o;
        o.rootRank = root;
        o.timeout = m_options.timeout;
        try {
            enqueue_serialized([&] { return m_impl->backend->broadcast(one, o); })->wait(m_options.timeout);
        } catch (const std::exception& e) {
            fail("broadcast", e);
        }
        if (moved) {
            torch::NoGradGuard no_grad;
            t.copy_(one[0]);
        }
    }
}

void DistGroup::allreduce_sum(std::vector<torch::Tensor> tensors) {
    for (auto& t : tensors) {
        const bool moved = t.device() != m_device;
        std::vector<at::Tensor> one{moved ? t.to(m_device) : t};
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        o.timeout = m_options.timeout;
        try {
            enqueue_serialized([&] { return m_impl->backend->allreduce(one, o); })->wait(m_options.timeout);
        } catch (const std::exception& e) {
            fail("allreduce", e);
        }
        if (moved) {
            torch::NoGradGuard no_grad;
            t.copy_(one[0]);
        }
    }
}

std::vector<torch::Tensor> DistGroup::allgather(const torch::Tensor& tensor) {
    std::vector<at::Tensor> input{tensor.to(m_device).contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < world_size(); ++r) output[0].push_back(torch::empty_like(input[0]));
    c10d::AllgatherOptions o;
    o.timeout = m_options.timeout;
    try {
        enqueue_serialized([&] { return m_impl->backend->allgather(output, input, o); })->wait(m_options.timeout);
    } catch (const std::exception& e) {
        fail("allgather", e);
    }
    for (auto& t : output[0]) t = t.to(tensor.device());
    return output[0];
}

void DistGroup::barrier() {
    c10d::BarrierOptions o;
    o.timeout = m_options.timeout;
    try {
        enqueue_serialized([&] { return m_impl->backend->barrier(o); })->wait(m_options.timeout);
    } catch (const std::exception& e) {
        fail("barrier", e);
    }
}

// ---------------------------------------------------------------------------------------------------------

GradientBuckets::GradientBuckets(DistGroup& group, size_t bucket_bytes) : m_group(group), m_bucket_bytes(bucket_bytes) {}

void GradientBuckets::average(torch::nn::Module& module) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<torch::Tensor> grads;
    for (auto& p : module.parameters())
        if (p.grad().defined()) grads.push_back(p.grad());
    torch::NoGradGuard no_grad;
    const double world = double(m_group.world_size());
    // Buckets in parameter order: every rank builds the same ones, so the allreduces pair up.
    for (Flat& group : group_by_type(grads)) {
        size_t begin = 0;
        while (begin < group.members.size()) {
            Flat bucket;
            size_t bytes = 0;
            for (; begin < group.members.size() && (bucket.members.empty() || bytes < m_bucket_bytes); ++begin) {
                bucket.members.push_back(group.members[begin]);
                bytes += group.members[begin].numel() * group.members[begin].element_size();
            }
            bucket.pack();
            m_group.allreduce_sum({bucket.buffer});
            bucket.buffer.div_(world);
            bucket.unpack();
            ++m_buckets;
        }
    }
    m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void broadcast_task_state(DistGroup& group, GanTask& task) {
    for (Flat& flat : group_by_type(task.state_tensors())) {
        {
            torch::NoGradGuard no_grad;
            flat.pack();
        }
        group.broadcast({flat.buffer}, 0);
        flat.unpack();
    }
}

void seed_rank_streams(GanTask& task, uint64_t seed, int rank) {
    if (rank == 0) return;  // rank 0 draws what a single process draws
    auto streams = task.rank_streams();
    for (size_t i = 0; i < streams.size(); ++i) {
        std::lock_guard<std::mutex> lock(streams[i].mutex());
        streams[i].set_current_seed(splitmix(splitmix(seed, uint64_t(rank)), i));
    }
}

torch::Tensor gather_rank_streams(DistGroup& group, GanTask& task) {
    std::vector<torch::Tensor> states;
    for (auto& g : task.rank_streams()) {
        std::lock_guard<std::mutex> lock(g.mutex());
        states.push_back(g.get_state().clone());
    }
    if (states.empty()) return {};
    return torch::stack(group.allgather(torch::stack(states)));
}

bool restore_rank_streams(GanTask& task, const torch::Tensor& gathered, int rank) {
    auto streams = task.rank_streams();
    if (!gathered.defined() || gathered.dim() != 3 || gathered.size(0) <= rank ||
        gathered.size(1) != int64_t(streams.size()))
        throw DistError("rank " + std::to_string(rank) + ": the checkpoint holds no random streams for this rank");
    for (auto& g : streams) {
        std::lock_guard<std::mutex> lock(g.mutex());
        if (g.get_state().numel() != gathered.size(2)) return false;  // written on another device type
    }
    for (size_t i = 0; i < streams.size(); ++i) {
        std::lock_guard<std::mutex> lock(streams[i].mutex());
        streams[i].set_state(gathered[rank][int64_t(i)].clone());  // a tensor of its own: set_state reads from offset 0
    }
    return true;
}

}  // namespace ganscope
