// Reading a run folder that may still be written (see run_files.h). Any one thread per object.
#include "viewer/sources/run_files.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "ml/data/image.h"
#include "ml/data/tensor_image.h"

namespace ganscope {
namespace fs = std::filesystem;

std::vector<StepMetrics> MetricsTail::poll() {
    std::vector<StepMetrics> out;
    m_restarted = false;
    std::error_code ec;
    const uint64_t size = fs::file_size(m_path, ec);
    if (ec) return out;  // not there yet
    if (size < m_offset) {  // rewritten shorter (a resume keeps the records up to its checkpoint)
        m_offset = 0;
        m_partial.clear();
        m_restarted = true;
    }
    if (size == m_offset) return out;
    std::ifstream in(m_path, std::ios::binary);
    if (!in) return out;
    in.seekg(std::streamoff(m_offset));
    std::string chunk(size_t(size - m_offset), '\0');
    in.read(chunk.data(), std::streamsize(chunk.size()));
    chunk.resize(size_t(in.gcount()));
    m_offset += chunk.size();
    m_partial += chunk;
    size_t start = 0;
    for (size_t nl; (nl = m_partial.find('\n', start)) != std::string::npos; start = nl + 1) {
        const std::string line = m_partial.substr(start, nl - start);
        if (line.empty()) continue;
        try {
            out.push_back(StepMetrics::from_json(nlohmann::json::parse(line)));
        } catch (const std::exception&) {
            ++m_bad;
        }
    }
    m_partial.erase(0, start);
    return out;
}

void read_metrics_file(const std::string& path, MetricsHistory& into, size_t& bad) {
    MetricsTail tail(path);
    for (const StepMetrics& m : tail.poll()) into.push(m);
    bad = tail.bad_lines();
}

std::vector<StepMetrics> records_after(const std::vector<StepMetrics>& records, int64_t after_step) {
    if (after_step < 0) return records;
    auto first = std::upper_bound(records.begin(), records.end(), after_step,
                                  [](int64_t step, const StepMetrics& m) { return step < m.step; });
    return std::vector<StepMetrics>(first, records.end());
}

SampleGrid display_grid(const torch::Tensor& images, const TrainConfig& config, int64_t step,
                        const torch::Tensor& latents) {
    SampleGrid g;
    g.step = step;
    g.images = images;
    g.columns = display_grid_columns(images.size(0), config.image_to_image());
    g.padding = kDisplayPadding;
    g.grid = make_grid(images, g.columns, g.padding, kDisplayGutter);
    if (latents.defined()) g.latents = latents.cpu();
    return g;
}

std::vector<SampleFile> list_samples(const std::string& run_dir) {
    std::vector<SampleFile> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(run_dir) / "samples", ec)) {
        const std::string name = entry.path().filename().string();
        // step_00000123.png; the writer's step_....png.tmp is not a grid yet
        if (name.size() < 10 || name.rfind("step_", 0) != 0 || name.substr(name.size() - 4) != ".png") continue;
        char* end = nullptr;
        const long long step = std::strtoll(name.c_str() + 5, &end, 10);
        if (end != name.c_str() + name.size() - 4 || step < 0) continue;
        files.push_back(SampleFile{entry.path().string(), step});
    }
    std::sort(files.begin(), files.end(), [](const SampleFile& a, const SampleFile& b) { return a.step < b.step; });
    return files;
}

std::optional<SampleFile> newest_sample(const std::string& run_dir) {
    const std::vector<SampleFile> files = list_samples(run_dir);
    if (files.empty()) return std::nullopt;
    return files.back();
}

torch::Tensor cells_of_grid_png(const std::string& path, int cell, int padding, int64_t count) {
    const Image image = to_rgb(load_image_raw(path), {255, 255, 255});
    const int pitch = cell + padding;
    const int columns = (image.width - padding) / pitch, rows = (image.height - padding) / pitch;
    if (cell <= 0 || columns < 1 || rows < 1 || columns * pitch + padding != image.width ||
        rows * pitch + padding != image.height)
        throw std::runtime_error(path + ": a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                 " image is not a grid of " + std::to_string(cell) + " px cells");
    const torch::Tensor all = image_to_tensor(image);  // 3 x H x W
    std::vector<torch::Tensor> cells;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c)
            cells.push_back(all.narrow(1, padding + r * pitch, cell).narrow(2, padding + c * pitch, cell));
    int64_t n = int64_t(cells.size());
    if (count > 0) {
        if (count > n) throw std::runtime_error(path + ": " + std::to_string(n) + " cells, expected " + std::to_string(count));
        n = count;
    } else {
        while (n > 1 && cells[size_t(n - 1)].ge(1.0f).all().item<bool>()) --n;  // trailing blank (white) cells
    }
    cells.resize(size_t(n));
    return torch::stack(cells).contiguous();
}

void describe_progress(TrainerStatus& s) {
    s.lr_g_now = std::isfinite(s.last.lr_g) ? s.last.lr_g : s.lr_g;
    s.lr_d_now = std::isfinite(s.last.lr_d) ? s.last.lr_d : s.lr_d;
    if (s.last.images_per_sec > 0 && s.batch_size > 0) {
        // images/s counts every rank's images; a step is one batch on each rank
        s.step_ms = 1000.0 * s.batch_size * std::max(1, s.config.world_size) / s.last.images_per_sec;
    }
    if (s.total_steps > 0 && s.step_ms > 0 && s.step < s.total_steps)
        s.eta_seconds = double(s.total_steps - s.step) * s.step_ms / 1000.0;
}

std::string output_folder(const std::string& run_dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!run_dir.empty() && fs::is_directory(run_dir, ec) && ::access(run_dir.c_str(), W_OK) == 0)
        return fs::absolute(run_dir, ec).lexically_normal().string();
    const char* home = std::getenv("HOME");
    const fs::path mine = fs::path(home && *home ? home : "/tmp") / "ganscope";
    fs::create_directories(mine, ec);
    return mine.string();
}

}  // namespace ganscope
