// The Nearest panel's work off the GL thread: the index of the run's training images (ml/metrics/nearest.h, built
// or read from its cache at the first request, again when the data or the size changes) and the k nearest of the
// image asked about. Latest request wins. The GL thread calls the public methods.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/metrics/nearest.h"
#include "ml/slot.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct NearestRequest {
    TrainConfig config;   // the run's: its data, image size and background
    torch::Tensor image;  // 3 x H x W in [-1, 1], CPU
    std::string from;     // what it is ("sample 12 of step 400")
    int k = 8;
};

struct NearestAnswer {
    uint64_t request = 0;
    std::string from;
    torch::Tensor query;  // 3 x S x S in [-1, 1]: the image as compared (at the training size)
    std::vector<NearestMatch> matches;
    std::vector<std::string> names;
    torch::Tensor images;  // k x 3 x S x S in [-1, 1]: the matches, nearest first
    int64_t index_size = 0;
    int image_size = 0;
    double typical = 0;  // the training images' own median nearest-neighbour distance
    bool from_cache = false;
    double index_seconds = 0;  // building or reading the index, 0 when it was already in memory
    double query_ms = 0;
    std::string error;  // one line when this request failed (the rest is then empty)
};

class NearestWorker {
public:
    NearestWorker();
    ~NearestWorker();
    NearestWorker(const NearestWorker&) = delete;
    NearestWorker& operator=(const NearestWorker&) = delete;

    // Replaces a request not yet started; returns its id.
    uint64_t request(NearestRequest request);
    const LatestSlot<NearestAnswer>& result() const { return m_result; }

private:
    struct Pending {
        uint64_t id = 0;
        NearestRequest request;
        bool empty() const { return !request.image.defined(); }
    };
    void work(Pending& taken);  // answer(), its failure published as an answer with an error
    void answer(const Pending& taken);

    uint64_t m_next_id = 0;                 // under the loop's lock (post)
    std::atomic<bool> m_cancel{false};      // set when the window closes: a long first read stops
    std::unique_ptr<NearestIndex> m_index;  // the worker thread's own
    std::string m_index_key;                // what it was built from
    double m_typical = 0;
    LatestSlot<NearestAnswer> m_result;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
