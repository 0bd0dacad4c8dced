// The kept grids the Compare panel's shared slider asks for, read from their PNG off the GL thread (the one worker
// shape, worker_loop.h): a run's newer request replaces its one not yet taken (latest wins, per run); each read
// comes back stamped with the run and step it answers, or with the one line that says why it failed. The GL thread
// posts and takes; the reading happens on the worker's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ml/config.h"
#include "ml/train/trainer.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

struct GridRead {
    uint64_t run = 0;  // the caller's key for the run
    int64_t step = -1;
    std::string path;    // samples/step_*.png
    TrainConfig config;  // the run's: its image size, grid size, seed and latent size
};

struct GridReadResult {
    uint64_t run = 0;
    int64_t step = -1;
    std::shared_ptr<const SampleGrid> grid;  // null when the read failed
    std::string error;                       // one line naming the file
};

class GridReadWorker {
public:
    // `read` turns a request into its grid on the worker's thread (throws with one line naming the file); the
    // module gives it the run files' PNG reader, so this worker needs nothing above ml/.
    using Read = std::function<SampleGrid(const GridRead&)>;
    explicit GridReadWorker(Read read);
    ~GridReadWorker();
    GridReadWorker(const GridReadWorker&) = delete;
    GridReadWorker& operator=(const GridReadWorker&) = delete;

    // Reads `read` next; a read of the same run not yet started is dropped.
    void request(GridRead read);
    // The reads finished since the last call, oldest first.
    std::vector<GridReadResult> take();

private:
    struct Pending {
        std::map<uint64_t, GridRead> reads;  // by run
        bool empty() const { return reads.empty(); }
    };
    void work(Pending& taken);  // the worker's thread

    Read m_read;
    std::mutex m_done_mutex;
    std::vector<GridReadResult> m_done;  // under m_done_mutex
    WorkerLoop<Pending> m_loop;          // last: its thread stops before the members above go
};

}  // namespace ganscope
