// Generator inference for the explorer and interpolation, off the GL thread: its own thread, its own copy of
// the generator (loaded from the trainer's weights snapshots), latest-wins requests and results. The GL thread
// calls the public methods; the trainer is never locked or waited on.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <c10/core/Event.h>
#include <torch/torch.h>

#include "ml/models/gan_task.h"
#include "ml/models/latent.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

enum class LatentJob { Explorer = 0, Strip, Walk };
constexpr int kLatentJobCount = 3;

struct LatentImages {
    uint64_t request = 0;           // the request id this answers
    int64_t weights_step = -1;      // the generator snapshot it was rendered with
    torch::Tensor images;           // N x 3 x H x W in [-1, 1], on the worker's device
    torch::Tensor grid;             // Strip: the images side by side (display gutters), tiled by the worker
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
    // What the GL thread asked for and the worker has not taken yet (worker_loop.h).
    struct Job {
        uint64_t id = 0;
        torch::Tensor latents;
        bool dirty = false;
    };
    struct Pending {
        std::shared_ptr<const WeightsSnapshot> weights;
        std::array<Job, kLatentJobCount> jobs;
        std::pair<int, int> pca{0, 0};
        bool empty() const {
            if (weights || pca.first > 0) return false;
            for (const Job& j : jobs)
                if (j.dirty) return false;
            return true;
        }
    };
    void work(Pending& taken);  // the worker's thread
    void load(const WeightsSnapshot& snapshot);
    void render(int job, uint64_t id, const torch::Tensor& latents);

    torch::Device m_device;
    uint64_t m_next_id = 0;          // under the loop's lock (post)
    std::atomic<int64_t> m_loaded_step{-1};
    struct Model;                    // the generator; only the worker thread touches it
    std::unique_ptr<Model> m_model;
    // The worker thread's own: each job's latest latents (re-rendered on new weights), a PCA request waiting for
    // the first weights.
    std::array<torch::Tensor, kLatentJobCount> m_last;
    std::array<uint64_t, kLatentJobCount> m_last_id{};
    std::pair<int, int> m_waiting_pca{0, 0};

    std::array<LatestSlot<LatentImages>, kLatentJobCount> m_results;
    LatestSlot<PcaResult> m_pca;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
