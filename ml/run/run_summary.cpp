// Run folders at a glance and config differences (see run_summary.h). Any thread.
#include "ml/run/run_summary.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "ml/formats/safe_text.h"
#include "ml/run/metrics.h"
#include "ml/run/run_folder.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;

int64_t mtime_seconds(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return int64_t(st.st_mtim.tv_sec);
}

std::string figure(double v, const char* format = "%.4g") {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
    if (j.is_object() && !j.empty()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
        return;
    }
    out[prefix] = j.dump();
}

}  // namespace

bool writer_holds(const std::string& run_dir) {
    struct stat st {};
    if (::stat(RunLock::lock_path(run_dir).c_str(), &st) != 0) return false;
    std::ifstream locks("/proc/locks");
    // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": the holder's device (major:minor, hex) and inode. A line
    // with "->" is a process waiting for the lock, not holding it. Overlay file systems may name another device
    // for the same file, so the inode decides where the device does not match any line.
    bool inode_match = false;
    for (std::string line; std::getline(locks, line);) {
        if (line.find("FLOCK") == std::string::npos || line.find("->") != std::string::npos) continue;
        std::istringstream words(line);
        for (std::string w; words >> w;) {
            unsigned maj = 0, min = 0;
            unsigned long long ino = 0;
            if (std::count(w.begin(), w.end(), ':') != 2 || std::sscanf(w.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3)
                continue;
            if (ino != (unsigned long long)st.st_ino) continue;
            if (maj == major(st.st_dev) && min == minor(st.st_dev)) return true;
            inode_match = true;
        }
    }
    return inode_match;
}

std::optional<RunSummary> summarize_run(const std::string& dir) {
    std::ifstream config_in(dir + "/config.json");
    if (!config_in) return std::nullopt;
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(config_in);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!config.is_object() || !config.contains("model") || !config["model"].is_string()) return std::nullopt;
    RunSummary r;
    r.path = dir;
    r.name = fs::path(dir).lexically_normal().filename().string();
    if (r.name.empty() || r.name == ".") r.name = fs::path(dir).lexically_normal().parent_path().filename().string();
    r.model = escape_bytes(config["model"].get<std::string>(), 40);
    r.total_steps = config.value("steps", int64_t(0));
    r.batch_size = config.value("global_batch_size", config.value("batch_size", 0));
    r.loss_g = r.loss_d = r.swd = r.images_per_sec = std::nan("");
    const std::string metrics = dir + "/metrics.jsonl";
    std::ifstream in(metrics);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        try {
            const StepMetrics m = StepMetrics::from_json(nlohmann::json::parse(line));
            r.step = m.step;
            r.loss_g = m.loss_g;
            r.loss_d = m.loss_d;
            r.images_per_sec = m.images_per_sec;
            if (std::isfinite(m.swd)) r.swd = m.swd;
        } catch (const std::exception&) {
            ++r.bad_lines;  // a line being written, or damaged
        }
    }
    r.updated = std::max(mtime_seconds(metrics), mtime_seconds(dir + "/config.json"));
    r.writer = writer_holds(dir);
    if (r.writer) {
        std::ifstream lock(RunLock::lock_path(dir));
        std::string holder;
        std::getline(lock, holder);
        r.writer_note = escape_bytes(holder, 120);
    }
    return r;
}

std::vector<RunSummary> find_runs(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw std::runtime_error(escape_bytes(dir, 200) +
                                 ": no such folder (runs go where `ganscope train --out` puts them)");
    std::vector<RunSummary> runs;
    if (auto self = summarize_run(dir)) runs.push_back(*self);
    std::vector<std::string> children;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_directory(type_ec)) children.push_back(it->path().string());
    }
    std::sort(children.begin(), children.end());
    for (const std::string& child : children)
        if (auto run = summarize_run(child)) runs.push_back(*run);
    return runs;
}

std::string describe_run(const RunSummary& r) {
    std::string line = escape_bytes(r.name, 60) + "  model=" + r.model + "  step=";
    line += r.step < 0 ? "-" : std::to_string(r.step);
    if (r.total_steps > 0) line += "/" + std::to_string(r.total_steps);
    line += "  loss_g=" + figure(r.loss_g) + "  loss_d=" + figure(r.loss_d) + "  swd=" + figure(r.swd, "%.2f");
    line += "  images/s=" + figure(r.images_per_sec, "%.0f");
    char when[32] = "-";
    if (r.updated > 0) {
        const std::time_t t = std::time_t(r.updated);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    line += std::string("  updated=") + when + "  writer=" + (r.writer ? "held" : "none");
    if (r.bad_lines > 0) line += "  unreadable_lines=" + std::to_string(r.bad_lines);
    return line;
}

std::vector<ConfigDiffRow> config_diff(const std::vector<nlohmann::json>& configs, bool all_keys) {
    std::vector<std::map<std::string, std::string>> flat(configs.size());
    std::set<std::string> keys;
    for (size_t i = 0; i < configs.size(); ++i) {
        flatten(configs[i], "", flat[i]);
        for (const auto& [k, v] : flat[i]) keys.insert(k);
    }
    std::vector<ConfigDiffRow> rows;
    for (const std::string& key : keys) {
        ConfigDiffRow row;
        row.key = key;
        for (const auto& f : flat) {
            auto it = f.find(key);
            row.values.push_back(it == f.end() ? "" : it->second);
        }
        row.differs = std::any_of(row.values.begin(), row.values.end(),
                                  [&](const std::string& v) { return v != row.values.front(); });
        if (all_keys || row.differs) rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace ganscope
