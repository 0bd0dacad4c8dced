// The Projection panel's work off the GL thread: a real image projected into the latent space of the run's
// generator (ml/models/projection.h), on a copy of the newest weights snapshot taken when the request starts, so
// training never waits. Progress is published as it converges; a newer request (or stop) ends the one in progress
// where it is. The GL thread calls the public methods.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <torch/torch.h>

#include "ml/models/gan_task.h"
#include "ml/models/projection.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct ProjectRequest {
    std::string path;     // an image file; or, when empty, `image`
    torch::Tensor image;  // 3 x H x W in [-1, 1], CPU (a Dataset image, a test's)
    std::string from;     // what it is, for the panel ("photo.png")
    ProjectionOptions options;
};

struct ProjectUpdate {
    uint64_t request = 0;
    std::string from;
    torch::Tensor target;         // 3 x S x S in [-1, 1], CPU: the image as projected (at the training size)
    ProjectionProgress progress;  // latent and image on the CPU
    int64_t weights_step = -1;    // the snapshot projected into
    bool features = false;        // the discriminator's features were part of the loss
    bool finished = false;        // the last update of this request (done, stopped, or failed)
    double seconds = 0;
    std::string error;  // one line when the request failed
};

class ProjectWorker {
public:
    ProjectWorker();
    ~ProjectWorker();
    ProjectWorker(const ProjectWorker&) = delete;
    ProjectWorker& operator=(const ProjectWorker&) = delete;

    // The newest snapshot of the run's generator (and discriminator, when it carries one); the next request uses it.
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    // Ends a projection in progress and starts this one; returns its id.
    uint64_t request(ProjectRequest request);
    // Ends the projection in progress where it is (its last update says so).
    void stop();
    const LatestSlot<ProjectUpdate>& updates() const { return m_updates; }

private:
    struct Pending {
        uint64_t id = 0;
        ProjectRequest request;
        bool set = false;
        bool empty() const { return !set; }
    };
    void work(Pending& taken);
    void run(const Pending& taken, ProjectUpdate& update);

    struct Model;  // the worker thread's generator and discriminator
    std::unique_ptr<Model> m_model;
    std::mutex m_weights_mutex;
    std::shared_ptr<const WeightsSnapshot> m_weights;  // under m_weights_mutex
    uint64_t m_next_id = 0;                            // under the loop's lock (post)
    std::atomic<uint64_t> m_newest{
        0};  // the newest request id, or ~0 after stop(): the one running ends when it differs
    LatestSlot<ProjectUpdate> m_updates;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
