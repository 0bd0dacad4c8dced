// Run-folder lock and skipped-image list; see run_folder.h.
#include "ml/run/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace fs = std::filesystem;

namespace {

std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : raw)
        if (c == '\0') c = ' ';
    while (!raw.empty() && raw.back() == ' ') raw.pop_back();
    return raw;
}

}  // namespace

void write_atomically(const std::string& path, const std::string& text) {
    const std::string temp = path + ".partial";
    FILE* f = std::fopen(temp.c_str(), "wb");
    if (!f) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fflush(f) == 0 && ok;
    ok = ::fsync(fileno(f)) == 0 && ok;
    ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(temp.c_str());
        throw std::runtime_error(path + ": cannot write (" + why + "); the previous file is kept");
    }
}

std::string RunLock::lock_path(const std::string& run_dir) { return (fs::path(run_dir) / "writer.lock").string(); }

RunLock::RunLock(const std::string& run_dir) {
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    if (ec) throw RunLockError(run_dir + ": cannot create the run folder (" + ec.message() + "); choose a writable --out");
    const std::string path = lock_path(run_dir);
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) throw RunLockError(path + ": cannot open the run folder's lock (" + std::strerror(errno) + ")");
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buf[512] = {};
        const ssize_t n = ::pread(m_fd, buf, sizeof buf - 1, 0);
        ::close(m_fd);
        m_fd = -1;
        if (err != EWOULDBLOCK) throw RunLockError(path + ": cannot lock the run folder (" + std::strerror(err) + ")");
        std::string holder(buf, n > 0 ? size_t(n) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw RunLockError(run_dir + " is being written by another process (" +
                           (holder.empty() ? std::string("pid unknown") : escape_bytes(holder, 160)) +
                           "); stop it first, watch it with `ganscope --open " + run_dir +
                           "/checkpoint.pt`, or train into another folder (--out)");
    }
    const std::string text = "pid " + std::to_string(::getpid()) + ": " + own_command_line() + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, text.data(), text.size(), 0) != ssize_t(text.size())) {
        // The lock itself holds; only the note naming the holder is missing (a full disk).
    }
}

RunLock::~RunLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the flock
}

void remove_stale_temp_files(const std::string& run_dir) {
    std::error_code ec;
    for (const char* name : {"checkpoint.pt.partial", "fixed_latents.pt.partial", "metrics.jsonl.partial",
                             "skipped.txt.partial", "config.json.partial"})
        fs::remove(fs::path(run_dir) / name, ec);
}

void write_skipped_list(const std::string& path, const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += escape_controls(line) + "\n";
    write_atomically(path, text);
}

std::string skipped_message(const std::vector<std::string>& lines, const std::string& list_path, size_t shown) {
    if (lines.empty()) return {};
    std::string msg = "skipped " + std::to_string(lines.size()) + " unreadable image" + (lines.size() == 1 ? "" : "s") + " (";
    for (size_t i = 0; i < lines.size() && i < shown; ++i) msg += (i ? "; " : "") + escape_bytes(lines[i], 160);
    if (lines.size() > shown) msg += "; ...";
    msg += ")";
    if (!list_path.empty()) msg += "; all of them in " + list_path;
    return msg;
}

}  // namespace ganscope
