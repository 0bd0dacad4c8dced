// Training history: generator snapshots kept in runs/NAME/history/step_XXXXXXXX.pt, bounded in count and
// size by thinning evenly, and generators rebuilt from any of them. HistoryWriter: the trainer thread calls
// it (files are written on its own worker thread); the readers may be used from any one thread each.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "ml/models/gan_task.h"

namespace ganscope {

struct HistoryOptions {
    int64_t every_steps = 0;            // write when this many steps passed since the last; 0: once per epoch
    size_t max_count = 200;             // snapshots kept at most (thinned evenly beyond)
    uint64_t max_bytes = 1ull << 30;    // total size kept at most (thinned evenly beyond)
};

struct HistoryEntry {
    int64_t step = 0;
    std::string path;
    uint64_t bytes = 0;
};

std::string history_dir(const std::string& run_dir);  // run_dir/history
std::string snapshot_file_name(int64_t step);           // step_00001234.pt
// The snapshots of a run, oldest first; empty when it has none. Skips temp files and foreign names.
std::vector<HistoryEntry> list_history(const std::string& run_dir);

// A snapshot file is a torch.save-compatible pickle of {format, step, config (JSON text), names, tensors}:
// Python reads it with torch.load(path). Writes atomically (temp + rename); throws naming the file. The
// generator only: snapshot.discriminator is not written, and a loaded snapshot has none.
void save_snapshot(const std::string& path, const WeightsSnapshot& snapshot);
WeightsSnapshot load_snapshot(const std::string& path);

// Which snapshots to delete so at most max_count remain within max_bytes: repeatedly drops the interior
// one whose removal leaves the smallest gap, so the survivors stay evenly spread; the first and the
// newest are always kept. Returns indices into `entries` (sorted by step).
std::vector<size_t> plan_thinning(const std::vector<HistoryEntry>& entries, size_t max_count, uint64_t max_bytes);

class HistoryWriter {
public:
    // Picks up snapshots already in run_dir/history (a resumed run continues its history).
    HistoryWriter(std::string run_dir, HistoryOptions options = {});
    ~HistoryWriter();  // flush()
    HistoryWriter(const HistoryWriter&) = delete;
    HistoryWriter& operator=(const HistoryWriter&) = delete;

    // Cheap: whether a snapshot at this step/epoch should be taken (so the caller can skip the copy).
    bool due(int64_t step, int64_t epoch) const;
    // When due: copies the tensors to the CPU (here, on the caller's stream) and queues the file write.
    // Never throws; a failed write shows in error(). Returns whether a snapshot was queued.
    bool maybe_write(const WeightsSnapshot& snapshot, int64_t epoch);
    // Unconditionally (a final snapshot at stop, say).
    void write(const WeightsSnapshot& snapshot, int64_t epoch);
    // Waits until queued snapshots are on disk.
    void flush();
    // Deletes snapshots after `step` (a resume or revert goes back there; later ones are another timeline).
    void truncate_after(int64_t step);
    int64_t last_step() const { return m_last_step; }  // caller thread; -1 when none

    std::vector<HistoryEntry> entries() const;
    std::string error() const;  // the latest write failure, one line; empty when all is well

private:
    void worker_main();

    std::string m_run_dir;
    HistoryOptions m_options;
    int64_t m_last_step = -1;   // caller thread only
    int64_t m_last_epoch = -1;  // caller thread only

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    // Written in order; beyond kMaxPending (the disk far slower than the trainer) the oldest waiting one is
    // dropped, so memory stays bounded and the trainer never waits on the disk.
    static constexpr size_t kMaxPending = 8;
    std::deque<WeightsSnapshot> m_pending;
    int64_t m_dropped = 0;
    bool m_busy = false, m_stop = false;
    std::vector<HistoryEntry> m_entries;
    std::string m_error;
    std::thread m_worker;
};

// A generator rebuilt from a snapshot (DCGAN: DcganGenerator from the snapshot's config, tensors copied by
// name; pix2pix: the task's U-Net), rendering exactly as the training task renders its sample grid.
class SnapshotGenerator {
public:
    explicit SnapshotGenerator(const WeightsSnapshot& snapshot, torch::Device device = torch::kCPU);
    ~SnapshotGenerator();
    SnapshotGenerator(SnapshotGenerator&&) noexcept;
    SnapshotGenerator& operator=(SnapshotGenerator&&) noexcept;

    // DCGAN: N x L (or N x L x 1 x 1) latents; pix2pix: N x 3 x S x S input images in [-1, 1].
    // -> N x 3 x H x W in [-1, 1] on the generator's device.
    torch::Tensor generate(const torch::Tensor& latents);
    bool is_image_to_image() const;  // pix2pix: generate() takes images, not latents
    int64_t step() const { return m_step; }
    const TrainConfig& config() const { return m_config; }
    int latent_dim() const { return m_config.latent_dim; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int64_t m_step = 0;
    TrainConfig m_config;
};

// A run's history for scrubbing: list, then render any snapshot; the last generator loaded is cached.
class HistoryScrubber {
public:
    explicit HistoryScrubber(std::string run_dir, torch::Device device = torch::kCPU);
    void refresh();  // re-reads the folder (the run may still be writing)
    const std::vector<HistoryEntry>& entries() const { return m_entries; }
    // The snapshot nearest to `step` at or before it (the first one when step is earlier); throws when empty.
    size_t index_at_step(int64_t step) const;
    torch::Tensor render(size_t index, const torch::Tensor& latents);
    SnapshotGenerator& generator(size_t index);

private:
    std::string m_run_dir;
    torch::Device m_device;
    std::vector<HistoryEntry> m_entries;
    std::optional<size_t> m_loaded_index;
    std::string m_loaded_path;
    std::unique_ptr<SnapshotGenerator> m_loaded;
};

}  // namespace ganscope
