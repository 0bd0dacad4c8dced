// Image sources (a folder, the built-in emoji set) and the batch loader that decodes them on worker threads
// with prefetch. The loader is driven by the trainer thread; its workers are its own.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "ml/data/image.h"

namespace ganscope {

// Thrown for unusable data: names the folder or file and what to do.
struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A random-access list of images. load() may throw ImageError for a file that turns out to be corrupt.
class ImageSource {
public:
    virtual ~ImageSource() = default;
    virtual size_t size() const = 0;
    virtual Image load(size_t index) const = 0;
    virtual std::string name(size_t index) const = 0;
    virtual std::string description() const = 0;
    // Files the scan refused (file, reason): counted in the status and listed in the run's skipped.txt.
    virtual std::vector<std::pair<std::string, std::string>> skipped() const { return {}; }
};

// Every decodable image below a folder, recursively (png, jpg, jpeg, bmp, gif, tga, psd, hdr, pnm).
// Files whose header stb cannot read are skipped and counted at scan time.
class FolderSource : public ImageSource {
public:
    FolderSource(const std::string& root, Rgb background);
    size_t size() const override { return m_files.size(); }
    Image load(size_t index) const override;
    std::string name(size_t index) const override { return m_files[index]; }
    std::string description() const override;
    std::vector<std::pair<std::string, std::string>> skipped() const override { return m_skipped; }

private:
    std::string m_root;
    Rgb m_background;
    std::vector<std::string> m_files;
    std::vector<std::pair<std::string, std::string>> m_skipped;  // file, reason
};

// Images already in memory (the emoji set, tests).
class MemorySource : public ImageSource {
public:
    MemorySource(std::vector<Image> images, std::string description);
    size_t size() const override { return m_images->size(); }
    Image load(size_t index) const override { return (*m_images)[index]; }
    std::string name(size_t index) const override;
    std::string description() const override { return m_description; }

private:
    std::shared_ptr<const std::vector<Image>> m_images;
    std::string m_description;
};

// The data source a config names: "emoji" or a folder. Throws DataError with a clear message.
std::shared_ptr<ImageSource> open_source(const std::string& data, Rgb background, int min_size = 0);

// What one decoded item becomes: tensors in [-1, 1], C x H x W.
struct Example {
    torch::Tensor target;
    torch::Tensor input;  // undefined for unconditional GANs
};
using ExampleTransform = std::function<Example(const Image&, std::mt19937& rng)>;

// The DCGAN transform: short side to `size`, centre crop, to [-1, 1].
ExampleTransform center_crop_transform(int size);

struct LoaderOptions {
    int batch_size = 64;
    int workers = 2;
    int prefetch_batches = 4;
    uint64_t seed = 1;
    bool shuffle = true;
    // Distributed training: each global batch of batch_size x world_size items is split in rank order,
    // this rank taking its batch_size; with world_size 1 the loader is the single-process one.
    int rank = 0;
    int world_size = 1;
};

// Where the loader stands; saved in checkpoints so resume continues with the same batches.
struct LoaderPosition {
    int64_t epoch = 0;
    int64_t batch = 0;  // next batch within the epoch
};

struct LoadedBatch {
    torch::Tensor target;  // N x C x H x W, CPU
    torch::Tensor input;   // or undefined
    LoaderPosition position;  // of this batch
};

// Deterministic, ordered, prefetching batches: batch b of epoch e always holds the same items
// (permutation seeded by seed and epoch), whichever worker decoded it. Files that fail to decode are
// skipped, counted and replaced by the next good item.
class BatchLoader {
public:
    BatchLoader(std::shared_ptr<ImageSource> source, ExampleTransform transform, LoaderOptions options,
                LoaderPosition start = {});
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    LoadedBatch next();  // blocks only when no prefetched batch is ready
    LoaderPosition position() const { return m_next; }  // of the batch next() returns next
    int64_t batches_per_epoch() const;
    int64_t skipped() const;
    std::vector<std::string> skipped_files(size_t max = 5) const;
    const ImageSource& source() const { return *m_source; }
    int batch_size() const { return m_options.batch_size; }

private:
    struct Slot;
    void worker_loop();
    LoadedBatch produce(LoaderPosition pos);
    std::vector<size_t> permutation(int64_t epoch) const;
    LoaderPosition advance(LoaderPosition p) const;

    std::shared_ptr<ImageSource> m_source;
    ExampleTransform m_transform;
    LoaderOptions m_options;
    LoaderPosition m_next;      // consumer side
    LoaderPosition m_schedule;  // next position handed to a worker
    int64_t m_ticket_next = 0, m_ticket_consume = 0;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::map<int64_t, LoadedBatch> m_ready;  // by ticket
    std::map<int64_t, std::vector<size_t>> m_perm_cache;
    std::vector<bool> m_bad;
    std::vector<std::string> m_bad_names;
    int64_t m_in_flight = 0;
    bool m_quit = false;
    std::string m_fatal;
    std::vector<std::thread> m_workers;
};

}  // namespace ganscope
