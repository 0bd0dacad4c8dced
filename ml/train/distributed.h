// Training across processes: c10d process groups (Gloo on CPUs, NCCL on GPUs), DDP-style gradient
// averaging in buckets, and the standard launch environment. One DistGroup per rank; only its trainer thread
// calls it (the heartbeat thread inside is its own).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/models/gan_task.h"

namespace ganscope {

// A collective failed, a peer is gone or the rendezvous could not happen. The message is one line that names
// the rank (or the address) at fault.
struct DistError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct DistOptions {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    int local_world_size = 1;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    // torchrun's agent already runs the store (TORCHELASTIC_USE_AGENT_STORE=True): every rank is a client.
    bool agent_store = false;
    int restart_count = 0;  // TORCHELASTIC_RESTART_COUNT: keys of an earlier attempt stay apart
    std::chrono::milliseconds timeout{60000};  // --dist-timeout: collectives and the rendezvous
    bool force = false;  // use a process group even with world size 1 (benchmarks)

    bool enabled() const { return world_size > 1 || force; }
};

// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE and
// SLURM's SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID when the first are absent. World size 1 without them;
// WORLD_SIZE set (even to 1) means a process group is used.
// Throws DistError naming the variable that is malformed.
DistOptions dist_options_from_env();

// The device a rank trains on: `requested` itself on the CPU or without a process group; with one on CUDA, the GPU
// of its local rank (cuda:LOCAL_RANK), since NCCL cannot pair two ranks on one GPU. Throws DistError, one line,
// when this machine's ranks outnumber its `cuda_count` GPUs.
torch::Device rank_device(torch::Device requested, const DistOptions& options, int cuda_count);

// The device a backend's collectives take their tensors on: NCCL the rank's GPU, Gloo the CPU.
torch::Device collective_device(const std::string& backend, torch::Device training_device);

// One rank's membership: the store, the backend (Gloo for a CPU device, NCCL for a CUDA one) and a heartbeat
// in the store so that a failure can name the rank that stopped.
class DistGroup {
public:
    // Connects (rank 0 hosts the store unless torchrun's agent does); returns when all ranks are there.
    DistGroup(const DistOptions& options, torch::Device device);
    ~DistGroup();
    DistGroup(const DistGroup&) = delete;
    DistGroup& operator=(const DistGroup&) = delete;

    int rank() const { return m_options.rank; }
    int world_size() const { return m_options.world_size; }
    const DistOptions& options() const { return m_options; }
    std::string backend_name() const;
    // Where the backend's collectives run (collective_device). The collectives below take tensors on any device:
    // those elsewhere go there and back, so a caller's CPU tensors work with NCCL too.
    torch::Device device() const { return m_device; }

    // In place, same tensors (shapes, dtypes, order) on every rank.
    void broadcast(std::vector<torch::Tensor> tensors, int root = 0);
    void allreduce_sum(std::vector<torch::Tensor> tensors);
    // Each rank's tensor (same shape everywhere), in rank order, on the device `tensor` was on.
    std::vector<torch::Tensor> allgather(const torch::Tensor& tensor);
    void barrier();

    // The step this rank is at, for the heartbeat (a stuck rank is the one behind).
    void set_step(int64_t step);
    // Rewrites a failed collective's error as one line naming the rank that stopped or hung.
    [[noreturn]] void fail(const std::string& what, const std::exception& cause);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    DistOptions m_options;
    torch::Device m_device{torch::kCPU};
};

// Averages gradients over ranks, as DDP does: the gradients of a module's parameters (those with a gradient, in
// parameter order, the same on every rank) are flattened into buckets of about `bucket_bytes`, summed with one
// allreduce per bucket and divided by the world size.
class GradientBuckets : public GradientSync {
public:
    explicit GradientBuckets(DistGroup& group, size_t bucket_bytes = size_t(25) << 20);
    void average(torch::nn::Module& module) override;
    double allreduce_seconds() const { return m_seconds; }  // total spent in average(), for benchmarks
    int64_t bucket_count() const { return m_buckets; }      // buckets sent so far

private:
    DistGroup& m_group;
    size_t m_bucket_bytes;
    double m_seconds = 0;
    int64_t m_buckets = 0;
};

// Parameters and buffers of a task (GanTask::state_tensors) from rank 0 to every rank, coalesced by dtype.
void broadcast_task_state(DistGroup& group, GanTask& task);
// Per-rank random streams (noise, dropout): rank 0 keeps the run's, rank r > 0 draws from its own seed.
void seed_rank_streams(GanTask& task, uint64_t seed, int rank);
// Every rank's stream states, gathered (world x streams x bytes, uint8) for rank 0's checkpoint.
torch::Tensor gather_rank_streams(DistGroup& group, GanTask& task);
// Restores this rank's streams from a gathered tensor; false (nothing restored) when another device type wrote them.
bool restore_rank_streams(GanTask& task, const torch::Tensor& gathered, int rank);

}  // namespace ganscope
