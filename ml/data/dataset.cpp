// Image sources and the prefetching, deterministic batch loader.
#include "ml/data/dataset.h"

#include <stb_image.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <numeric>
#include <set>

#include "ml/data/emoji.h"
#include "ml/data/tensor_image.h"

namespace ganscope {
namespace fs = std::filesystem;

namespace {

constexpr int kMinSide = 4;
constexpr int64_t kMaxPixels = 120'000'000;  // larger images would need gigabytes each to decode

bool has_image_extension(const fs::path& p) {
    static const std::set<std::string> ext = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".psd",
                                              ".pnm", ".ppm", ".pgm", ".hdr", ".pic"};
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext.count(e) > 0;
}

uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 29);
}

}  // namespace

FolderSource::FolderSource(const std::string& root, Rgb background) : m_root(root), m_background(background) {
    std::error_code ec;
    if (!fs::exists(root, ec)) throw DataError(root + ": no such folder; pass --data an existing image folder (or --data emoji)");
    if (!fs::is_directory(root, ec)) throw DataError(root + ": not a folder; pass --data a folder of images");
    size_t seen = 0;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec) || !has_image_extension(it->path())) continue;
        ++seen;
        const std::string path = it->path().string();
        int w = 0, h = 0;
        std::string why;
        if (!image_info(path, &w, &h, &why)) {
            m_skipped.emplace_back(path, why);
        } else if (w < kMinSide || h < kMinSide) {
            m_skipped.emplace_back(path, "too small (" + std::to_string(w) + "x" + std::to_string(h) + ")");
        } else if (int64_t(w) * h > kMaxPixels) {
            m_skipped.emplace_back(path, "too large (" + std::to_string(w) + "x" + std::to_string(h) + "); downscale it");
        } else {
            m_files.push_back(path);
        }
    }
    std::sort(m_files.begin(), m_files.end());
    if (m_files.empty()) {
        if (seen == 0)
            throw DataError(root + ": no images found (png, jpg, bmp, gif, tga); put images in it or use --data emoji");
        throw DataError(root + ": none of its " + std::to_string(seen) + " image files can be decoded (first: " +
                        m_skipped.front().first + ": " + m_skipped.front().second + ")");
    }
}

Image FolderSource::load(size_t index) const { return load_image(m_files[index], m_background); }

std::string FolderSource::description() const {
    std::string d = m_root + " (" + std::to_string(m_files.size()) + " images";
    if (!m_skipped.empty()) d += ", " + std::to_string(m_skipped.size()) + " unreadable skipped";
    return d + ")";
}

MemorySource::MemorySource(std::vector<Image> images, std::string description)
    : m_images(std::make_shared<const std::vector<Image>>(std::move(images))), m_description(std::move(description)) {}

std::string MemorySource::name(size_t index) const { return m_description + "#" + std::to_string(index); }

std::shared_ptr<ImageSource> open_source(const std::string& data, Rgb background, int min_size) {
    if (data == "emoji") {
        const int size = min_size > 0 ? min_size : 64;
        auto images = load_emoji_dataset(size, background);
        const size_t n = images.size();
        return std::make_shared<MemorySource>(std::move(images),
                                              "emoji (" + std::to_string(n) + " Noto Color Emoji glyphs)");
    }
    return std::make_shared<FolderSource>(data, background);
}

ExampleTransform center_crop_transform(int size) {
    return [size](const Image& image, std::mt19937&) {
        return Example{image_to_tensor(resize_short_side_center_crop(image, size)), {}};
    };
}

// ---------------------------------------------------------------------------------------------------------

BatchLoader::BatchLoader(std::shared_ptr<ImageSource> source, ExampleTransform transform, LoaderOptions options,
                         LoaderPosition start)
    : m_source(std::move(source)), m_transform(std::move(transform)), m_options(options), m_next(start),
      m_schedule(start), m_bad(m_source->size(), false) {
    if (m_source->size() == 0) throw DataError(m_source->description() + ": no images");
    if (m_options.batch_size < 1) throw DataError("batch size must be at least 1");
    if (m_next.batch >= batches_per_epoch()) m_next = m_schedule = LoaderPosition{m_next.epoch + 1, 0};
    const int workers = std::max(1, m_options.workers);
    for (int i = 0; i < workers; ++i) m_workers.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    for (auto& t : m_workers) t.join();
}

int64_t BatchLoader::batches_per_epoch() const {
    return std::max<int64_t>(1, int64_t(m_source->size()) / (int64_t(m_options.batch_size) * m_options.world_size));
}

int64_t BatchLoader::skipped() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return int64_t(m_bad_names.size());
}

std::vector<std::string> BatchLoader::skipped_files(size_t max) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return {m_bad_names.begin(), m_bad_names.begin() + std::min(max, m_bad_names.size())};
}

LoaderPosition BatchLoader::advance(LoaderPosition p) const {
    return ++p.batch >= batches_per_epoch() ? LoaderPosition{p.epoch + 1, 0} : p;
}

std::vector<size_t> BatchLoader::permutation(int64_t epoch) const {
    std::vector<size_t> perm(m_source->size());
    std::iota(perm.begin(), perm.end(), size_t(0));
    if (m_options.shuffle) {
        std::mt19937_64 rng(mix(m_options.seed, uint64_t(epoch)));
        // Fisher-Yates by hand: std::shuffle's draws are implementation-defined.
        for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng() % i]);
    }
    return perm;
}

LoadedBatch BatchLoader::produce(LoaderPosition pos) {
    std::vector<size_t> perm;
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        auto it = m_perm_cache.find(pos.epoch);
        if (it == m_perm_cache.end()) {
            lock.unlock();
            auto p = permutation(pos.epoch);
            lock.lock();
            it = m_perm_cache.emplace(pos.epoch, std::move(p)).first;
        }
        perm = it->second;
        // Keep a few epochs. Drop the oldest ones other than this batch's: with one batch an epoch, workers
        // run several epochs ahead, so the epoch just inserted may be the oldest, and `it` must stay valid.
        for (auto e = m_perm_cache.begin(); m_perm_cache.size() > 3 && e != m_perm_cache.end();)
            e = e->first == pos.epoch ? std::next(e) : m_perm_cache.erase(e);
    }
    const size_t n = perm.size();
    const int b = m_options.batch_size;
    std::vector<torch::Tensor> targets, inputs;
    targets.reserve(b);
    // Candidates: this batch's slice of the permutation, then (to replace undecodable files) the items after it.
    // A rank's share starts at its offset in the global batch; per-item streams follow the global slot.
    const int first_slot = m_options.rank * b;
    size_t cursor = size_t(pos.batch) * b * size_t(m_options.world_size) + size_t(first_slot);
    size_t tried = 0;
    for (int slot = 0; slot < b; ++slot) {
        for (;; ++cursor, ++tried) {
            if (tried > n + size_t(b)) throw DataError(m_source->description() + ": no decodable image left");
            const size_t idx = perm[cursor % n];
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (m_bad[idx]) continue;
            }
            std::mt19937 rng(uint32_t(mix(mix(m_options.seed, uint64_t(pos.epoch)), uint64_t(pos.batch) * 4096 + first_slot + slot)));
            try {
                Example ex = m_transform(m_source->load(idx), rng);
                targets.push_back(std::move(ex.target));
                if (ex.input.defined()) inputs.push_back(std::move(ex.input));
                ++cursor;
                break;
            } catch (const ImageError& e) {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (!m_bad[idx]) {
                    m_bad[idx] = true;
                    m_bad_names.push_back(e.what());
                }
            }
        }
    }
    LoadedBatch batch;
    batch.target = torch::stack(targets);
    if (!inputs.empty()) batch.input = torch::stack(inputs);
    batch.position = pos;
    return batch;
}

void BatchLoader::worker_loop() {
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_cv.wait(lock, [&] {
            return m_quit || (m_fatal.empty() &&
                              int64_t(m_ready.size()) + m_in_flight < std::max(1, m_options.prefetch_batches));
        });
        if (m_quit) return;
        const int64_t ticket = m_ticket_next++;
        const LoaderPosition pos = m_schedule;
        m_schedule = advance(m_schedule);
        ++m_in_flight;
        lock.unlock();
        LoadedBatch batch;
        std::string error;
        try {
            batch = produce(pos);
        } catch (const std::exception& e) {
            error = e.what();
        }
        lock.lock();
        --m_in_flight;
        if (!error.empty()) {
            if (m_fatal.empty()) m_fatal = error;
        } else {
            m_ready.emplace(ticket, std::move(batch));
        }
        m_cv.notify_all();
    }
}

LoadedBatch BatchLoader::next() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [&] { return !m_fatal.empty() || m_ready.count(m_ticket_consume) > 0; });
    auto it = m_ready.find(m_ticket_consume);
    if (it == m_ready.end()) throw DataError(m_fatal);
    LoadedBatch batch = std::move(it->second);
    m_ready.erase(it);
    ++m_ticket_consume;
    m_next = advance(batch.position);
    m_cv.notify_all();
    return batch;
}

}  // namespace ganscope
