// Cache keys (see cache_key.h).
#include "ml/run/cache_key.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>

namespace ganscope {

std::string hex_hash(const std::string& text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string file_identity(const std::string& name) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto size = fs::file_size(name, ec);
    if (ec) return name;
    const auto time = fs::last_write_time(name, ec);
    if (ec) return name;
    return name + ":" + std::to_string(size) + ":" + std::to_string(time.time_since_epoch().count());
}

bool save_cache_archive(torch::serialize::OutputArchive& archive, const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string temp = path + ".partial";
    try {
        archive.save_to(temp);
    } catch (const std::exception&) {
        fs::remove(temp, ec);
        return false;
    }
    fs::rename(temp, path, ec);
    if (ec) fs::remove(temp, ec);
    return !ec;
}

}  // namespace ganscope
