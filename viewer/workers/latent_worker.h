// Generator inference for the explorer and interpolation, off the GL thread: its own thread, its own copy of
// the generator (loaded from the trainer's weights snapshots), latest-wins requests and results. The GL thread
// calls the public methods; the trainer is never locked or waited on.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "ml/gan_task.h"
#include "ml/latent.h"
#include "ml/slot.h"

namespace ganscope {

enum class LatentJob { Explorer = 0, Strip, Walk };
constexpr int kLatentJobCount = 3;

struct LatentImages {
    uint64_t request = 0;           // the request id this answers
    int64_t weights_step = -1;      // the generator snapshot it was rendered with
    torch::Tensor images;           // N x 3 x H x W in [-1, 1], on the worker's device
    std::shared_ptr<c10::Event> ready;  // recorded after the forward (CUDA); null on the CPU
    double ms = 0;                  // inference time
};

struct PcaResult {
    int64_t weights_step = -1;
    LatentDirections directions;
};

class LatentWorker {
public:
    explicit LatentWorker(torch::Device device = torch::kCPU);
    ~LatentWorker();
    LatentWorker(const LatentWorker&) = delete;
    LatentWorker& operator=(const LatentWorker&) = delete;

    // A newer snapshot replaces an older one not yet loaded; every job's last latents are re-rendered with it.
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    // Latents K x L (CPU). Replaces a pending request of the same job; returns its id.
    uint64_t request(LatentJob job, torch::Tensor latents);
    // GANSpace directions from the current weights (recomputed when asked again).
    void request_pca(int samples, int count);

    const LatestSlot<LatentImages>& result(LatentJob job) const { return m_results[int(job)]; }
    const LatestSlot<PcaResult>& pca() const { return m_pca; }
    int64_t weights_step() const { return m_loaded_step.load(); }
    std::string error() const;  // the last failure (bad snapshot, inference error); empty when fine
    torch::Device device() const { return m_device; }

private:
    void thread_main();
    void load(const WeightsSnapshot& snapshot);
    void render(int job, uint64_t id, const torch::Tensor& latents);

    torch::Device m_device;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_quit = false;
    std::shared_ptr<const WeightsSnapshot> m_pending_weights;
    struct Pending {
        uint64_t id = 0;
        torch::Tensor latents;
        bool dirty = false;
    };
    std::array<Pending, kLatentJobCount> m_pending;
    std::pair<int, int> m_pca_request{0, 0};
    uint64_t m_next_id = 0;
    std::string m_error;
    std::atomic<int64_t> m_loaded_step{-1};
    struct Model;                    // the generator; only the worker thread touches it
    std::unique_ptr<Model> m_model;

    std::array<LatestSlot<LatentImages>, kLatentJobCount> m_results;
    LatestSlot<PcaResult> m_pca;
    std::thread m_thread;  // last: starts after everything above exists
};

}  // namespace ganscope
