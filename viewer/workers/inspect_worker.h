// The Inspect panel's work off the GL thread: its own copy of the generator (from the latest weights snapshot)
// runs the explorer's latent and keeps every block's feature maps. Latest request wins. The GL thread calls the
// public methods.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/dcgan.h"
#include "ml/feature_maps.h"
#include "ml/gan_task.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct InspectMaps {
    uint64_t request = 0;
    int64_t step = -1;              // the weights' step
    std::vector<LayerMaps> layers;  // the generator's blocks, first to output
};

class InspectWorker {
public:
    InspectWorker();
    ~InspectWorker();
    InspectWorker(const InspectWorker&) = delete;
    InspectWorker& operator=(const InspectWorker&) = delete;

    // Feature maps of `latent` (L) through the generator of `weights` (a latent-space run's snapshot).
    // Replaces a request not yet started; returns its id.
    uint64_t request(std::shared_ptr<const WeightsSnapshot> weights, torch::Tensor latent);
    const LatestSlot<InspectMaps>& result() const { return m_result; }
    std::string error() const { return m_loop.error(); }

private:
    struct Pending {
        uint64_t id = 0;
        std::shared_ptr<const WeightsSnapshot> weights;
        torch::Tensor latent;
        bool empty() const { return !weights; }
    };
    void work(Pending& taken);

    uint64_t m_next_id = 0;                          // under the loop's lock (post)
    DcganGenerator m_generator{nullptr};             // the worker thread's own
    std::shared_ptr<const WeightsSnapshot> m_loaded;  // what m_generator holds
    LatestSlot<InspectMaps> m_result;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
