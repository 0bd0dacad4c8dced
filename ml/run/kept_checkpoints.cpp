// Kept checkpoints: names, listing, and resolving --from.
#include "ml/run/kept_checkpoints.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "ml/run/module_io.h"

namespace ganscope {
namespace fs = std::filesystem;

std::string kept_checkpoint_dir(const std::string& run_dir) { return (fs::path(run_dir) / "checkpoints").string(); }

std::string kept_checkpoint_path(const std::string& run_dir, int64_t epoch) {
    char name[32];
    std::snprintf(name, sizeof name, "epoch_%04lld.pt", static_cast<long long>(epoch));
    return (fs::path(kept_checkpoint_dir(run_dir)) / name).string();
}

std::vector<std::string> list_kept_checkpoints(const std::string& run_dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (fs::directory_iterator it(kept_checkpoint_dir(run_dir), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (it->is_regular_file() && name.rfind("epoch_", 0) == 0 && it->path().extension() == ".pt")
            files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string resume_checkpoint_path(const std::string& run_dir, const std::string& from) {
    if (from.empty()) return (fs::path(run_dir) / "checkpoint.pt").string();
    std::error_code ec;
    for (const fs::path& candidate : {fs::path(from), fs::path(run_dir) / from, fs::path(kept_checkpoint_dir(run_dir)) / from})
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    std::string kept;
    for (const auto& f : list_kept_checkpoints(run_dir)) kept += (kept.empty() ? "" : ", ") + fs::path(f).filename().string();
    throw CheckpointError("--from " + from + ": no such checkpoint (looked for it as a path, in " + run_dir + " and in " +
                          kept_checkpoint_dir(run_dir) + "); " +
                          (kept.empty() ? std::string("this run keeps none (train with --keep-every-epochs N)")
                                        : "its kept checkpoints: " + kept));
}

}  // namespace ganscope
