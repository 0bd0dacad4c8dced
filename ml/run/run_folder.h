// What a run folder holds besides weights: the writer's lock (one training process per folder; readers such as
// the window watching a run or a timelapse never take it) and the list of skipped images. The trainer thread.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganscope {

// Thrown when another process writes the run folder: names it and what to do.
struct RunLockError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// flock(2) on run_dir/writer.lock, exclusive and non-blocking, held for the object's life (the kernel drops it
// when the process dies, SIGKILL included). The file holds the holder's pid and command line.
class RunLock {
public:
    explicit RunLock(const std::string& run_dir);  // creates the folder; throws RunLockError
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    static std::string lock_path(const std::string& run_dir);

private:
    int m_fd = -1;
};

// Deletes what a killed writer may have left half-written (checkpoint.pt.partial, metrics.jsonl.partial, ...);
// only the lock holder may call it.
void remove_stale_temp_files(const std::string& run_dir);

// Writes `text` to path.partial, syncs, renames: a kill or a full disk leaves the old file whole (and no
// .partial). Throws std::runtime_error naming the file and the reason.
void write_atomically(const std::string& path, const std::string& text);

// runs/NAME/skipped.txt: every skipped image, one "path: reason" a line (control bytes escaped), rewritten
// atomically. And the terminal's line: the count and the first few, escaped.
void write_skipped_list(const std::string& path, const std::vector<std::string>& lines);
std::string skipped_message(const std::vector<std::string>& lines, const std::string& list_path, size_t shown = 3);

}  // namespace ganscope
