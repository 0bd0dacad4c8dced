// What a run folder says about its run at a glance (`ganscope runs`, the Compare window's runs table): its model,
// steps, last metrics, last update and whether a writer holds it; and the difference between runs' configs. Any
// thread; reads files only, never takes the run's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ganscope {

struct RunSummary {
    std::string path;               // the folder as found ("runs/a")
    std::string name;               // its last component ("a")
    std::string model;              // config.json's "model"
    int64_t step = -1;              // the newest record's step; -1: no records yet
    int64_t total_steps = 0;        // config.json's "steps" (0: open-ended)
    int batch_size = 0;             // global batch (images seen = step * batch)
    double loss_g = 0, loss_d = 0;  // the newest record's; NaN when the model has none or there is no record
    double swd = 0;                 // the newest record that carries one; NaN when none does
    double images_per_sec = 0;      // the newest record's; NaN when there is none
    int64_t updated = 0;            // seconds since the epoch the run last wrote metrics.jsonl (or config.json)
    bool writer = false;            // a process holds runs/NAME/writer.lock (this machine's kernel says so)
    std::string writer_note;        // what the lock file says of its holder ("pid 123: ganscope train ..."), escaped
    size_t bad_lines = 0;           // metrics lines that could not be read
};

// The summary of one folder; nullopt when it is not a run (no readable config.json with a "model").
std::optional<RunSummary> summarize_run(const std::string& dir);
// Every run directly under `dir` (and `dir` itself when it is one), by name. Throws std::runtime_error with one
// line when `dir` is not a folder.
std::vector<RunSummary> find_runs(const std::string& dir);
// Whether a process holds the folder's writer lock, by the kernel's list of locks (/proc/locks): the lock is never
// taken, so a trainer starting at that moment is never refused. False where the list cannot be read.
bool writer_holds(const std::string& run_dir);
// One line: "a  model=dcgan  step=30/30  loss_g=0.7123  loss_d=1.352  swd=-  images/s=210  updated=2026-12-07T19:55:03Z
// writer=none" (writer=held when a process holds its lock).
std::string describe_run(const RunSummary& run);

// Rows of a config comparison: one a key (nested objects flattened with dots), its value in each config as
// compact JSON ("" where a config lacks the key). `differs`: not every config has the same value.
struct ConfigDiffRow {
    std::string key;
    std::vector<std::string> values;
    bool differs = false;
};
// Keys in order; all keys, or only those that differ.
std::vector<ConfigDiffRow> config_diff(const std::vector<nlohmann::json>& configs, bool all_keys = false);

}  // namespace ganscope
