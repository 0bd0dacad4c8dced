// A checked reader of zip archives (torch.save's format and libtorch's): the central directory and every local
// header validated against the file, bounded inflation, CRC-32 verified. No libtorch. Any thread; one
// ZipArchive per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganscope {

// Thrown for a damaged or hostile archive; what() is one line without the file name (callers add it).
struct ArchiveError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Where the bytes come from: a file (read by offset, never whole) or memory (fuzzing, tests).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual uint64_t size() const = 0;
    // Reads exactly n bytes at offset; throws ArchiveError when they are not there.
    virtual void read(uint64_t offset, void* out, size_t n) const = 0;
    static std::unique_ptr<ByteSource> file(const std::string& path);  // throws ArchiveError when unreadable
    static std::unique_ptr<ByteSource> memory(const void* data, size_t size);  // does not copy
};

struct ZipLimits {
    size_t max_entries = 100000;
    uint64_t max_inflated_bytes = 1ull << 32;  // any one deflated entry
    double max_inflation_ratio = 200;          // deflated entries above 1 MiB: inflated / compressed
};

struct ZipEntry {
    std::string name;
    uint16_t method = 0;      // 0 stored, 8 deflated
    uint32_t crc = 0;
    uint64_t compressed = 0;  // bytes in the file
    uint64_t size = 0;        // bytes once inflated
    uint64_t data_offset = 0;
};

class ZipArchive {
public:
    // Parses and checks the directory (not the data); throws ArchiveError naming what is wrong.
    explicit ZipArchive(std::unique_ptr<ByteSource> source, ZipLimits limits = {});

    const std::vector<ZipEntry>& entries() const { return m_entries; }
    const ZipEntry* find(const std::string& name) const;
    // The one entry whose name ends in "/" + suffix (torch archives put everything under one folder).
    const ZipEntry* find_suffix(const std::string& suffix) const;

    // The whole entry, inflated, its CRC checked; refuses entries larger than max_bytes before reading.
    std::string read(const ZipEntry& entry, uint64_t max_bytes) const;
    // Reads the entry in chunks and compares its CRC-32 with the directory's (inflating at most its size).
    void verify(const ZipEntry& entry) const;
    // n bytes at `offset` of a stored entry (call verify first when the data must be intact).
    void read_stored(const ZipEntry& entry, uint64_t offset, void* out, size_t n) const;

    const ByteSource& source() const { return *m_source; }

private:
    // Streams the entry's inflated bytes to `sink` in chunks; checks size and CRC at the end.
    template <class Sink>
    void stream(const ZipEntry& entry, Sink&& sink) const;

    std::unique_ptr<ByteSource> m_source;
    ZipLimits m_limits;
    std::vector<ZipEntry> m_entries;
};

uint32_t crc32_update(uint32_t crc, const void* data, size_t n);

}  // namespace ganscope
