// safetensors headers: read, bounded and checked against the file (see safetensors_layout.h).
#include "ml/formats/safetensors_layout.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

constexpr size_t kMaxEntries = 100000;
constexpr size_t kMaxDims = 16;
constexpr size_t kMaxDepth = 3;  // {name: {"shape": [...]}} and {"__metadata__": {...}}

uint64_t read_header_size(const ByteSource& source) {
    if (source.size() < 8)
        throw ArchiveError("shorter than a safetensors header (" + std::to_string(source.size()) + " bytes)");
    unsigned char b[8];
    source.read(0, b, 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];  // little-endian, whatever this machine is
    return n;
}

// nlohmann's parser keeps a stack per nesting level: bound the depth before it sees the text.
void check_depth(const std::string& text) {
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxDepth) throw ArchiveError("the header nests deeper than a safetensors header does");
        } else if (c == '}' || c == ']') {
            if (depth > 0) --depth;
        }
    }
}

uint64_t count_elements(const std::vector<int64_t>& shape, const std::string& name) {
    uint64_t n = 1;
    for (int64_t s : shape) {
        if (s == 0) return 0;
        if (uint64_t(s) > (uint64_t(1) << 48) / n)
            throw ArchiveError("tensor '" + escape_bytes(name, 60) + "' declares an absurd shape");
        n *= uint64_t(s);
    }
    return n;
}

SafetensorsEntry read_entry(const std::string& name, const nlohmann::json& j, uint64_t data_start, uint64_t data_size) {
    const std::string what = "tensor '" + escape_bytes(name, 60) + "'";
    if (!j.is_object()) throw ArchiveError(what + " is not described by an object");
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets")
            throw ArchiveError(what + " has an unknown field '" + escape_bytes(it.key(), 40) + "'");
    SafetensorsEntry e;
    e.name = name;
    const auto dtype = j.find("dtype");
    if (dtype == j.end() || !dtype->is_string()) throw ArchiveError(what + " has no dtype");
    e.dtype = dtype->get<std::string>();
    const size_t element = safetensors_element_size(e.dtype);
    if (element == 0)
        throw ArchiveError(what + " has dtype " + escape_bytes(e.dtype, 20) +
                           ", which ganscope does not read (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    const auto shape = j.find("shape");
    if (shape == j.end() || !shape->is_array() || shape->size() > kMaxDims)
        throw ArchiveError(what + " has no shape of at most 16 dimensions");
    for (const auto& s : *shape) {
        if (!s.is_number_unsigned()) throw ArchiveError(what + " has a shape that is not a list of sizes");
        const uint64_t v = s.get<uint64_t>();
        if (v > (uint64_t(1) << 48)) throw ArchiveError(what + " declares an absurd shape");
        e.shape.push_back(int64_t(v));
    }
    const auto offsets = j.find("data_offsets");
    if (offsets == j.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
        throw ArchiveError(what + " has no data_offsets [begin, end]");
    const uint64_t begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
    if (begin > end || end > data_size)
        throw ArchiveError(what + " spans bytes " + std::to_string(begin) + " to " + std::to_string(end) + " of " +
                           std::to_string(data_size) + " (truncated file?)");
    e.offset = data_start + begin;
    e.bytes = end - begin;
    const uint64_t elements = count_elements(e.shape, name);
    if (elements > e.bytes / element || elements * element != e.bytes)
        throw ArchiveError(what + " has " + std::to_string(e.bytes) + " bytes for " + std::to_string(elements) + " " +
                           e.dtype + " elements");
    return e;
}

}  // namespace

size_t safetensors_element_size(const std::string& dtype) {
    if (dtype == "F64" || dtype == "I64") return 8;
    if (dtype == "F32" || dtype == "I32") return 4;
    if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
    if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
    return 0;
}

bool looks_like_safetensors(const ByteSource& source) {
    // torch.save files start with "PK" (zip) or a pickle's 0x80; a safetensors header's JSON at byte 8 with '{'.
    if (source.size() < 10) return false;
    char first = 0;
    source.read(8, &first, 1);
    return first == '{';
}

SafetensorsLayout parse_safetensors(std::unique_ptr<ByteSource> source) {
    const uint64_t n = read_header_size(*source);
    if (n > kMaxSafetensorsHeader)
        throw ArchiveError("a safetensors header of " + std::to_string(n) + " bytes (at most 100 MB)");
    if (n > source->size() - 8)
        throw ArchiveError("the header says " + std::to_string(n) + " bytes but the file has " +
                           std::to_string(source->size() - 8) + " after its length (truncated file?)");
    std::string text(size_t(n), '\0');
    source->read(8, text.data(), text.size());
    check_depth(text);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        throw ArchiveError("the safetensors header is not JSON (" + one_line(e.what(), 120) + ")");
    }
    if (!header.is_object()) throw ArchiveError("the safetensors header is not a JSON object");
    if (header.size() > kMaxEntries) throw ArchiveError("more than 100000 tensors");
    const uint64_t data_start = 8 + n, data_size = source->size() - data_start;
    SafetensorsLayout layout;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object()) throw ArchiveError("__metadata__ is not an object of strings");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string())
                    throw ArchiveError("__metadata__ '" + escape_bytes(m.key(), 40) + "' is not a string");
                layout.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        layout.entries.push_back(read_entry(it.key(), *it, data_start, data_size));
    }
    // The spans tile the data: no overlaps (two tensors sharing bytes), no gaps, nothing after the last.
    std::sort(layout.entries.begin(), layout.entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.bytes < b.bytes;
    });
    uint64_t at = data_start;
    for (const SafetensorsEntry& e : layout.entries) {
        if (e.offset != at)
            throw ArchiveError("tensor '" + escape_bytes(e.name, 60) + "' " +
                               (e.offset < at ? "overlaps another" : "leaves a gap before it"));
        at += e.bytes;
    }
    if (at != source->size()) throw ArchiveError(std::to_string(source->size() - at) + " bytes after the last tensor");
    layout.file = std::move(source);
    return layout;
}

}  // namespace ganscope
