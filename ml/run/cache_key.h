// Keys of the caches computed from a data set (SWD descriptors, FID features, the nearest-image index): what a
// cached file depends on, and a stable file name for it. Any thread.
#pragma once

#include <string>

#include <torch/torch.h>

namespace ganscope {

// FNV-1a of `text` as 16 hex digits: a stable file name for a long key.
std::string hex_hash(const std::string& text);

// A file's identity for a cache key: its name, size and modification time, so an edited file is read again. Names
// that are not files (the emoji set's glyphs) stand for themselves: the set's description covers the rest.
std::string file_identity(const std::string& name);

// Writes a cache file whole or not at all: `archive` to path.partial, then renamed over `path`, its folder made
// first. Returns false, leaving nothing behind, when it cannot (a read-only or full disk).
bool save_cache_archive(torch::serialize::OutputArchive& archive, const std::string& path);

}  // namespace ganscope
