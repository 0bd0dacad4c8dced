// One latent through every compared run's generator, off the GL thread (the one worker shape, worker_loop.h): the
// GL thread posts the latent with each run's newest weights snapshot (latest wins); the worker keeps a generator a
// run, rebuilt only when that run's snapshot changes, renders the latent through each and publishes the images
// stamped with the request (and the latent) they answer. Any thread posts and reads; the generators are the
// worker thread's own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/models/gan_task.h"
#include "ml/run/history.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct LatentThroughRuns {
    uint64_t request = 0;  // the request this answers
    torch::Tensor latent;  // L, CPU: the latent every image below is rendered from
    struct Run {
        uint64_t run = 0;           // the caller's key for the run
        int64_t weights_step = -1;  // the snapshot it was rendered with
        torch::Tensor image;        // 3 x H x W in [-1, 1], CPU; undefined when it failed
        std::string error;          // one line: why this run has no image (its snapshot would not load, ...)
    };
    std::vector<Run> runs;  // in the order they were asked for
    double ms = 0;          // the whole pass
};

class LatentRunsWorker {
public:
    struct RunWeights {
        uint64_t run = 0;
        std::shared_ptr<const WeightsSnapshot> weights;  // a latent-space generator with the latent's size
    };

    LatentRunsWorker();
    ~LatentRunsWorker();
    LatentRunsWorker(const LatentRunsWorker&) = delete;
    LatentRunsWorker& operator=(const LatentRunsWorker&) = delete;

    // `latent` (L) through every run's weights. Replaces a request not yet taken; returns its id (from 1).
    uint64_t request(const torch::Tensor& latent, std::vector<RunWeights> runs);
    const LatestSlot<LatentThroughRuns>& result() const { return m_result; }
    std::string error() const { return m_loop.error(); }

private:
    struct Pending {
        uint64_t id = 0;
        torch::Tensor latent;
        std::vector<RunWeights> runs;
        bool empty() const { return id == 0; }
    };
    void work(Pending& taken);  // the worker's thread

    struct Generator {
        std::shared_ptr<const WeightsSnapshot> weights;  // what it was built from
        std::unique_ptr<SnapshotGenerator> generator;
    };
    std::map<uint64_t, Generator> m_generators;  // the worker thread's own, by run
    uint64_t m_next_id = 0;                      // under the loop's lock (post)
    LatestSlot<LatentThroughRuns> m_result;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
