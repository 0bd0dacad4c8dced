// Training history snapshots on disk and generators rebuilt from them; see history.h.
#include "ml/run/history.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include "ml/formats/archive_check.h"
#include "ml/models/dcgan.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"

namespace ganscope {
namespace fs = std::filesystem;

namespace {
constexpr const char* kSnapshotFormat = "ganscope-generator-snapshot/1";

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}
}  // namespace

std::string history_dir(const std::string& run_dir) { return (fs::path(run_dir) / "history").string(); }

std::string snapshot_file_name(int64_t step) {
    char name[40];
    std::snprintf(name, sizeof name, "step_%08lld.pt", static_cast<long long>(step));
    return name;
}

std::vector<HistoryEntry> list_history(const std::string& run_dir) {
    std::vector<HistoryEntry> entries;
    std::error_code ec;
    fs::path dir = history_dir(run_dir);
    if (!fs::is_directory(dir, ec)) return entries;
    for (const auto& item : fs::directory_iterator(dir, ec)) {
        std::string name = item.path().filename().string();
        if (name.size() < 9 || name.compare(0, 5, "step_") != 0 || name.compare(name.size() - 3, 3, ".pt") != 0)
            continue;
        std::string digits = name.substr(5, name.size() - 8);
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
        HistoryEntry entry;
        entry.step = std::stoll(digits);
        entry.path = item.path().string();
        entry.bytes = item.file_size(ec);
        entries.push_back(entry);
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
    return entries;
}

void save_snapshot(const std::string& path, const WeightsSnapshot& snapshot) {
    // snapshot.discriminator is not written: the format (and the files' size) stays generator-only.
    c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
    c10::List<std::string> names;
    c10::List<at::Tensor> tensors;
    for (const auto& [name, tensor] : snapshot.tensors) {
        names.push_back(name);
        tensors.push_back(tensor.detach().to(torch::kCPU).contiguous());
    }
    dict.insert("format", std::string(kSnapshotFormat));
    dict.insert("step", snapshot.step);
    dict.insert("config", snapshot.config.to_json().dump());
    dict.insert("names", names);
    dict.insert("tensors", tensors);
    std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));

    std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        out.flush();
        if (!out) {
            out.close();
            std::remove(temp.c_str());
            throw std::runtime_error("cannot write snapshot '" + path + "': disk full or folder not writable");
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        std::remove(temp.c_str());
        throw std::runtime_error("cannot move snapshot into place at '" + path + "'");
    }
}

WeightsSnapshot load_snapshot(const std::string& path) {
    if (!std::ifstream(path, std::ios::binary))
        throw std::runtime_error("cannot open snapshot '" + path + "': no such file or not readable");
    WeightsSnapshot snapshot;
    try {
        // What torch::pickle_load does, but reading the file itself: its in-memory reader does not bound its
        // reads, so a file cut short made it read past the buffer (AddressSanitizer caught it in the tests);
        // the file reader clamps each read to the file and the zip reader then fails cleanly.
        check_snapshot_archive_file(path);  // before libtorch's reader: nesting, sizes, CRCs, the dict's keys
        caffe2::serialize::PyTorchStreamReader reader(path);
        // Onto the CPU whatever device wrote it: a GPU run's history opens anywhere; readers move what they use.
        c10::IValue value = torch::jit::readArchiveAndTensors("data", "", "", std::nullopt, std::nullopt,
                                                              torch::Device(torch::kCPU), reader);
        auto dict = value.toGenericDict();
        if (!dict.contains("format") || dict.at("format").toStringRef() != kSnapshotFormat)
            throw std::runtime_error("unknown format");
        snapshot.step = dict.at("step").toInt();
        snapshot.config = TrainConfig::from_json(nlohmann::json::parse(dict.at("config").toStringRef()));
        auto names = dict.at("names").toList();
        auto tensors = dict.at("tensors").toList();
        if (names.size() != tensors.size()) throw std::runtime_error("names and tensors differ in count");
        for (size_t i = 0; i < names.size(); ++i)
            snapshot.tensors.emplace_back(names.get(i).toStringRef(), tensors.get(i).toTensor());
    } catch (const std::exception& e) {
        throw std::runtime_error("'" + path + "' is not a readable ganscope snapshot (" +
                                 one_line(e.what()).substr(0, 200) + "); delete it or pick another");
    }
    return snapshot;
}

std::vector<size_t> plan_thinning(const std::vector<HistoryEntry>& entries, size_t max_count, uint64_t max_bytes) {
    std::vector<size_t> keep(entries.size()), removed;
    for (size_t i = 0; i < keep.size(); ++i) keep[i] = i;
    uint64_t total = 0;
    for (const auto& e : entries) total += e.bytes;
    max_count = std::max<size_t>(max_count, 2);
    while (keep.size() > 2 && (keep.size() > max_count || total > max_bytes)) {
        size_t best = 1;
        int64_t best_gap = std::numeric_limits<int64_t>::max();
        for (size_t j = 1; j + 1 < keep.size(); ++j) {
            int64_t gap = entries[keep[j + 1]].step - entries[keep[j - 1]].step;
            if (gap < best_gap) best_gap = gap, best = j;
        }
        total -= entries[keep[best]].bytes;
        removed.push_back(keep[best]);
        keep.erase(keep.begin() + std::ptrdiff_t(best));
    }
    std::sort(removed.begin(), removed.end());
    return removed;
}

HistoryWriter::HistoryWriter(std::string run_dir, HistoryOptions options)
    : m_run_dir(std::move(run_dir)), m_options(options) {
    m_entries = list_history(m_run_dir);
    if (!m_entries.empty()) m_last_step = m_entries.back().step;
    m_worker = std::thread([this] { worker_main(); });
}

HistoryWriter::~HistoryWriter() {
    flush();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_worker.joinable()) m_worker.join();
}

bool HistoryWriter::due(int64_t step, int64_t epoch) const {
    if (step == m_last_step) return false;
    if (m_options.every_steps > 0) return m_last_step < 0 || step - m_last_step >= m_options.every_steps;
    return epoch != m_last_epoch;
}

bool HistoryWriter::maybe_write(const WeightsSnapshot& snapshot, int64_t epoch) {
    if (!due(snapshot.step, epoch)) return false;
    write(snapshot, epoch);
    return true;
}

void HistoryWriter::write(const WeightsSnapshot& snapshot, int64_t epoch) {
    m_last_step = snapshot.step;
    m_last_epoch = epoch;
    try {
        WeightsSnapshot cpu;
        cpu.step = snapshot.step;
        cpu.config = snapshot.config;
        cpu.tensors.reserve(snapshot.tensors.size());
        // The copy to the host happens here, ordered after the trainer's own work on its stream. CPU tensors
        // are shared, not copied: a WeightsSnapshot's tensors are clones that nobody writes into. The
        // discriminator stays behind: history files are generator-only.
        for (const auto& [name, tensor] : snapshot.tensors)
            cpu.tensors.emplace_back(name, tensor.detach().cpu());
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_pending.size() >= kMaxPending) {
            m_pending.pop_front();
            ++m_dropped;
            m_error = "history: " + std::to_string(m_dropped) +
                      " snapshot(s) skipped because the disk could not keep up with training";
        }
        m_pending.push_back(std::move(cpu));
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_error = "history snapshot at step " + std::to_string(snapshot.step) + " failed: " + one_line(e.what());
        return;
    }
    m_cv.notify_all();
}

void HistoryWriter::flush() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [&] { return m_pending.empty() && !m_busy; });
}

void HistoryWriter::truncate_after(int64_t step) {
    flush();
    std::lock_guard<std::mutex> lock(m_mutex);
    std::error_code ec;
    auto later = [&](const HistoryEntry& e) { return e.step > step; };
    for (const auto& e : m_entries)
        if (later(e)) fs::remove(e.path, ec);
    m_entries.erase(std::remove_if(m_entries.begin(), m_entries.end(), later), m_entries.end());
    m_last_step = m_entries.empty() ? -1 : m_entries.back().step;
    m_last_epoch = -1;
}

std::vector<HistoryEntry> HistoryWriter::entries() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_entries;
}

std::string HistoryWriter::error() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

void HistoryWriter::worker_main() {
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_cv.wait(lock, [&] { return !m_pending.empty() || m_stop; });
        if (m_pending.empty()) return;  // stopping, nothing left
        WeightsSnapshot snapshot = std::move(m_pending.front());
        m_pending.pop_front();
        m_busy = true;
        std::vector<HistoryEntry> entries = m_entries;
        lock.unlock();

        std::string error;
        try {
            std::error_code ec;
            fs::create_directories(history_dir(m_run_dir), ec);
            HistoryEntry entry;
            entry.step = snapshot.step;
            entry.path = (fs::path(history_dir(m_run_dir)) / snapshot_file_name(snapshot.step)).string();
            save_snapshot(entry.path, snapshot);
            entry.bytes = fs::file_size(entry.path, ec);
            entries.erase(std::remove_if(entries.begin(), entries.end(),
                                         [&](const HistoryEntry& e) { return e.step == entry.step; }),
                          entries.end());
            auto at = std::upper_bound(entries.begin(), entries.end(), entry,
                                       [](const auto& a, const auto& b) { return a.step < b.step; });
            entries.insert(at, entry);
            std::vector<size_t> drop = plan_thinning(entries, m_options.max_count, m_options.max_bytes);
            for (auto it = drop.rbegin(); it != drop.rend(); ++it) {
                fs::remove(entries[*it].path, ec);
                entries.erase(entries.begin() + std::ptrdiff_t(*it));
            }
        } catch (const std::exception& e) {
            error = one_line(e.what());
        }

        lock.lock();
        m_entries = std::move(entries);
        m_error = error;
        m_busy = false;
        m_cv.notify_all();
    }
}

// ---- Generators rebuilt from snapshots ----

struct SnapshotGenerator::Impl {
    DcganGenerator dcgan{nullptr};
    std::unique_ptr<Pix2PixTask> pix2pix;  // the task's own translate(): palette decoding, inference mode
    torch::Device device{torch::kCPU};
};

SnapshotGenerator::SnapshotGenerator(const WeightsSnapshot& snapshot, torch::Device device)
    : m_impl(std::make_unique<Impl>()), m_step(snapshot.step), m_config(snapshot.config) {
    m_impl->device = device;
    const std::string origin = "snapshot at step " + std::to_string(m_step);
    if (m_config.image_to_image()) {
        m_impl->pix2pix = std::make_unique<Pix2PixTask>(m_config, device);
        assign_named_tensors(*m_impl->pix2pix->generator(), snapshot.tensors, origin);
        return;
    }
    if (!m_config.has_latent_space())
        throw std::runtime_error(origin + " is of model '" + m_config.model + "', which history cannot render");
    m_impl->dcgan = DcganGenerator(m_config.image_size, m_config.latent_dim, m_config.g_width);
    assign_named_tensors(*m_impl->dcgan, snapshot.tensors, origin);
    m_impl->dcgan->to(device);
    m_impl->dcgan->eval();  // as DcganTask::render_samples: BatchNorm with running statistics
}

SnapshotGenerator::~SnapshotGenerator() = default;
SnapshotGenerator::SnapshotGenerator(SnapshotGenerator&&) noexcept = default;
SnapshotGenerator& SnapshotGenerator::operator=(SnapshotGenerator&&) noexcept = default;

bool SnapshotGenerator::is_image_to_image() const { return m_impl->pix2pix != nullptr; }

torch::Tensor SnapshotGenerator::generate(const torch::Tensor& latents) {
    torch::NoGradGuard no_grad;
    if (m_impl->pix2pix) return m_impl->pix2pix->translate(latents.to(m_impl->device));
    return m_impl->dcgan->forward(latents.to(m_impl->device));
}

HistoryScrubber::HistoryScrubber(std::string run_dir, torch::Device device)
    : m_run_dir(std::move(run_dir)), m_device(device) {
    refresh();
}

void HistoryScrubber::refresh() {
    m_entries = list_history(m_run_dir);
    m_loaded_index.reset();  // indices may have shifted; the cached generator is matched by path
}

size_t HistoryScrubber::index_at_step(int64_t step) const {
    if (m_entries.empty())
        throw std::runtime_error("run '" + m_run_dir + "' has no history snapshots (" + history_dir(m_run_dir) +
                                 " is empty): train with history enabled first");
    auto it = std::upper_bound(m_entries.begin(), m_entries.end(), step,
                               [](int64_t s, const HistoryEntry& e) { return s < e.step; });
    return it == m_entries.begin() ? 0 : size_t(it - m_entries.begin()) - 1;
}

SnapshotGenerator& HistoryScrubber::generator(size_t index) {
    if (index >= m_entries.size())
        throw std::out_of_range("history index " + std::to_string(index) + " is past the " +
                                std::to_string(m_entries.size()) + " snapshots of '" + m_run_dir + "'");
    if (!m_loaded || m_loaded_path != m_entries[index].path) {
        m_loaded = std::make_unique<SnapshotGenerator>(load_snapshot(m_entries[index].path), m_device);
        m_loaded_path = m_entries[index].path;
    }
    m_loaded_index = index;
    return *m_loaded;
}

torch::Tensor HistoryScrubber::render(size_t index, const torch::Tensor& latents) {
    return generator(index).generate(latents);
}

}  // namespace ganscope
