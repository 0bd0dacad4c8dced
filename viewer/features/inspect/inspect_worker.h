// The Inspect panel's work off the GL thread, from the latest weights snapshot: the explorer latent's feature maps
// through its own generator copy (latent-space runs), and through its own discriminator copy the verdict on each
// cell of the sample grid (DCGAN) or the PatchGAN's map over each validation output (pix2pix), with pix2pix's
// |output - target| maps. Latest request wins. The GL thread calls the public methods.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/models/dcgan.h"
#include "ml/models/feature_maps.h"
#include "ml/models/gan_task.h"
#include "ml/models/inspect.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct InspectMaps {
    uint64_t request = 0;
    int64_t step = -1;              // the weights' step
    std::vector<LayerMaps> layers;  // latent-space runs: the generator's blocks, first to output
    int64_t grid_step = -1;         // the sample grid judged below; -1: none was sent
    std::vector<float> verdicts;    // DCGAN: the discriminator on each grid cell
    bool probabilities = true;      // verdicts are P(real) (a BCE-trained D), else raw scores
    torch::Tensor patch_maps;       // pix2pix: P x 1 x h x w, P(real) per patch of each validation output
    torch::Tensor error_maps;       // pix2pix: P x 1 x H x W, |output - target| in [0, 2]
    std::string note;               // why the discriminator's part is missing (the generator's part stands)
};

struct InspectRequest {
    std::shared_ptr<const WeightsSnapshot> weights;
    torch::Tensor latent;  // L, CPU; undefined: no feature maps
    torch::Tensor grid;    // the sample grid's images (N x C x H x W, any device); undefined: no verdicts or maps
    int64_t grid_step = -1;
    // Recorded after the grid was made (CUDA); the worker waits on it before reading the grid, so the GL thread
    // never does. Null on the CPU.
    std::shared_ptr<c10::Event> grid_ready;
};

class InspectWorker {
public:
    InspectWorker();
    ~InspectWorker();
    InspectWorker(const InspectWorker&) = delete;
    InspectWorker& operator=(const InspectWorker&) = delete;

    // Replaces a request not yet started; returns its id.
    uint64_t request(InspectRequest request);
    const LatestSlot<InspectMaps>& result() const { return m_result; }
    std::string error() const { return m_loop.error(); }

private:
    struct Pending {
        uint64_t id = 0;
        InspectRequest request;
        bool empty() const { return !request.weights; }
    };
    void work(Pending& taken);

    uint64_t m_next_id = 0;                                // under the loop's lock (post)
    DcganGenerator m_generator{nullptr};                   // the worker thread's own
    std::unique_ptr<SnapshotDiscriminator> m_discriminator;
    std::shared_ptr<const WeightsSnapshot> m_loaded_g, m_loaded_d;  // what they hold
    LatestSlot<InspectMaps> m_result;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
