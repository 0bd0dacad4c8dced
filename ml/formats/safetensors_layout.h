// Where everything in a safetensors file is (huggingface/safetensors: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte span, then the bytes), checked before any tensor is made:
// the header's size, nesting and fields bounded, every span inside the data, the spans contiguous without overlap,
// each span exactly its shape's bytes. No libtorch, so the fuzz targets run it as it is. Any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ml/formats/zip_archive.h"

namespace ganscope {

struct SafetensorsEntry {
    std::string name;
    std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
    std::vector<int64_t> shape;
    uint64_t offset = 0;  // where its bytes start in the file
    uint64_t bytes = 0;
};

struct SafetensorsLayout {
    std::unique_ptr<ByteSource> file;
    std::vector<SafetensorsEntry> entries;        // in the order of their bytes in the file
    std::map<std::string, std::string> metadata;  // "__metadata__" (string to string), may be empty
};

// Whether the file is laid out as safetensors (its header's '{' at byte 8), before checking it. Reads one byte.
bool looks_like_safetensors(const ByteSource& source);
// Throws ArchiveError with one line saying what is wrong (file bytes escaped; the caller names the file).
SafetensorsLayout parse_safetensors(std::unique_ptr<ByteSource> source);
// Bytes per element of a dtype above; 0 for one ganscope does not read.
size_t safetensors_element_size(const std::string& dtype);

constexpr uint64_t kMaxSafetensorsHeader = 100u << 20;  // the format's own limit (100 MB)

}  // namespace ganscope
