// Zip directory parsing and checked, bounded reading; see zip_archive.h.
#include "ml/formats/zip_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

class FileSource : public ByteSource {
public:
    explicit FileSource(const std::string& path) {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) throw ArchiveError("cannot open it (" + std::string(std::strerror(errno)) + ")");
        struct stat st {};
        if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(m_fd);
            throw ArchiveError("not a regular file");
        }
        m_size = uint64_t(st.st_size);
    }
    ~FileSource() override { ::close(m_fd); }
    uint64_t size() const override { return m_size; }
    void read(uint64_t offset, void* out, size_t n) const override {
        if (offset > m_size || n > m_size - offset) throw ArchiveError("it is cut short (a read past its end)");
        auto* p = static_cast<char*>(out);
        while (n > 0) {
            const ssize_t got = ::pread(m_fd, p, n, off_t(offset));
            if (got <= 0) throw ArchiveError("it is cut short or unreadable (" + std::string(std::strerror(errno)) + ")");
            p += got;
            offset += uint64_t(got);
            n -= size_t(got);
        }
    }

private:
    int m_fd = -1;
    uint64_t m_size = 0;
};

class MemorySource : public ByteSource {
public:
    MemorySource(const void* data, size_t size) : m_data(static_cast<const char*>(data)), m_size(size) {}
    uint64_t size() const override { return m_size; }
    void read(uint64_t offset, void* out, size_t n) const override {
        if (offset > m_size || n > m_size - offset) throw ArchiveError("it is cut short (a read past its end)");
        if (n > 0) std::memcpy(out, m_data + offset, n);
    }

private:
    const char* m_data;
    uint64_t m_size;
};

uint16_t u16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t u32(const unsigned char* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t u64(const unsigned char* p) { return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32; }

constexpr uint32_t kLocal = 0x04034b50, kCentral = 0x02014b50, kEnd = 0x06054b50, kEnd64 = 0x06064b50,
                   kLocator64 = 0x07064b50;

}  // namespace

std::unique_ptr<ByteSource> ByteSource::file(const std::string& path) { return std::make_unique<FileSource>(path); }
std::unique_ptr<ByteSource> ByteSource::memory(const void* data, size_t size) {
    return std::make_unique<MemorySource>(data, size);
}

uint32_t crc32_update(uint32_t crc, const void* data, size_t n) {
    const auto* p = static_cast<const Bytef*>(data);
    while (n > 0) {
        const uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
        crc = uint32_t(::crc32(crc, p, chunk));
        p += chunk;
        n -= chunk;
    }
    return crc;
}

ZipArchive::ZipArchive(std::unique_ptr<ByteSource> source, ZipLimits limits)
    : m_source(std::move(source)), m_limits(limits) {
    const uint64_t file_size = m_source->size();
    if (file_size < 22) throw ArchiveError("too short for a zip archive");
    // The end record sits in the last 22 + 65535 bytes (a comment may follow it).
    const uint64_t tail_size = std::min<uint64_t>(file_size, 22 + 65535);
    std::vector<unsigned char> tail(tail_size);
    m_source->read(file_size - tail_size, tail.data(), tail.size());
    int64_t end_at = -1;
    for (int64_t i = int64_t(tail_size) - 22; i >= 0; --i)
        if (u32(&tail[size_t(i)]) == kEnd) {
            end_at = i;
            break;
        }
    if (end_at < 0) throw ArchiveError("no zip end record (cut short, or not a zip archive)");
    const unsigned char* e = &tail[size_t(end_at)];
    uint64_t count = u16(e + 10), cd_size = u32(e + 12), cd_offset = u32(e + 16);
    const uint64_t end_offset = file_size - tail_size + uint64_t(end_at);
    uint64_t directory_end = end_offset;
    if ((count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) && end_offset >= 20) {
        unsigned char loc[20];
        m_source->read(end_offset - 20, loc, 20);
        if (u32(loc) == kLocator64) {
            const uint64_t at = u64(loc + 8);
            unsigned char z[56];
            if (at > end_offset || end_offset - at < 56) throw ArchiveError("zip64 end record outside the file");
            m_source->read(at, z, 56);
            if (u32(z) != kEnd64) throw ArchiveError("zip64 end record is damaged");
            count = u64(z + 32);
            cd_size = u64(z + 40);
            cd_offset = u64(z + 48);
            directory_end = at;
        }
    }
    if (count > m_limits.max_entries)
        throw ArchiveError("it lists " + std::to_string(count) + " entries (at most " +
                           std::to_string(m_limits.max_entries) + " accepted)");
    if (cd_offset > directory_end || cd_size > directory_end - cd_offset)
        throw ArchiveError("its central directory lies outside the file");
    std::vector<unsigned char> cd(static_cast<size_t>(cd_size));
    m_source->read(cd_offset, cd.data(), cd.size());

    std::vector<uint64_t> header_offsets;
    std::set<std::string> names;
    size_t pos = 0;
    for (uint64_t k = 0; k < count; ++k) {
        if (cd.size() - pos < 46 || u32(&cd[pos]) != kCentral) throw ArchiveError("its central directory is damaged");
        const unsigned char* h = &cd[pos];
        const uint16_t flags = u16(h + 8), name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
        if (cd.size() - pos - 46 < size_t(name_len) + extra_len + comment_len)
            throw ArchiveError("its central directory is damaged");
        ZipEntry entry;
        entry.method = u16(h + 10);
        entry.crc = u32(h + 16);
        entry.compressed = u32(h + 20);
        entry.size = u32(h + 24);
        uint64_t local = u32(h + 42);
        entry.name.assign(reinterpret_cast<const char*>(h + 46), name_len);
        // Zip64 sizes and offset, for the fields that say 0xffffffff.
        const unsigned char* x = h + 46 + name_len;
        for (size_t j = 0; j + 4 <= extra_len;) {
            const uint16_t id = u16(x + j), len = u16(x + j + 2);
            if (j + 4 + len > extra_len) break;
            if (id == 1) {
                const unsigned char* v = x + j + 4;
                size_t left = len;
                auto take = [&](uint64_t& field) {
                    if (field != 0xffffffff) return;
                    if (left < 8) throw ArchiveError("a zip64 field of '" + escape_bytes(entry.name) + "' is damaged");
                    field = u64(v);
                    v += 8;
                    left -= 8;
                };
                take(entry.size);
                take(entry.compressed);
                take(local);
            }
            j += 4 + len;
        }
        pos += 46 + size_t(name_len) + extra_len + comment_len;
        const std::string shown = "'" + escape_bytes(entry.name) + "'";
        if (entry.name.empty() || entry.name.find('\0') != std::string::npos)
            throw ArchiveError("an entry has an empty or NUL-containing name");
        if (!names.insert(entry.name).second) throw ArchiveError("entry " + shown + " appears twice");
        if (flags & 1) throw ArchiveError("entry " + shown + " is encrypted");
        if (entry.method == 0) {
            if (entry.compressed != entry.size) throw ArchiveError("stored entry " + shown + " has two different sizes");
        } else if (entry.method == 8) {
            if (entry.size > m_limits.max_inflated_bytes)
                throw ArchiveError("entry " + shown + " inflates to " + std::to_string(entry.size) + " bytes (at most " +
                                   std::to_string(m_limits.max_inflated_bytes) + " accepted)");
            if (entry.size > (1u << 20) && double(entry.size) > double(entry.compressed) * m_limits.max_inflation_ratio)
                throw ArchiveError("entry " + shown + " inflates " + std::to_string(entry.compressed) + " bytes to " +
                                   std::to_string(entry.size) + " (a zip bomb?)");
        } else {
            throw ArchiveError("entry " + shown + " uses compression method " + std::to_string(entry.method) +
                               " (only stored and deflated are read)");
        }
        if (local > cd_offset || cd_offset - local < 30) throw ArchiveError("entry " + shown + " lies outside the file");
        unsigned char lh[30];
        m_source->read(local, lh, 30);
        if (u32(lh) != kLocal) throw ArchiveError("the local header of " + shown + " is damaged");
        const uint64_t data = local + 30 + u16(lh + 26) + u16(lh + 28);
        if (u16(lh + 26) != name_len) throw ArchiveError("the local header of " + shown + " names another entry");
        std::string local_name(name_len, '\0');
        if (data > cd_offset) throw ArchiveError("entry " + shown + " lies outside the file");
        m_source->read(local + 30, local_name.data(), name_len);
        if (local_name != entry.name) throw ArchiveError("the local header of " + shown + " names another entry");
        if (entry.compressed > cd_offset - data) throw ArchiveError("entry " + shown + " runs past the end of its data");
        entry.data_offset = data;
        header_offsets.push_back(local);
        m_entries.push_back(std::move(entry));
    }
    // No two entries share bytes (overlapping entries are how small zip bombs multiply).
    std::vector<size_t> order(m_entries.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return header_offsets[a] < header_offsets[b]; });
    for (size_t i = 0; i + 1 < order.size(); ++i) {
        const ZipEntry& a = m_entries[order[i]];
        if (a.data_offset + a.compressed > header_offsets[order[i + 1]])
            throw ArchiveError("entries '" + escape_bytes(a.name) + "' and '" + escape_bytes(m_entries[order[i + 1]].name) +
                               "' overlap");
    }
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
    for (const auto& e : m_entries)
        if (e.name == name) return &e;
    return nullptr;
}

const ZipEntry* ZipArchive::find_suffix(const std::string& suffix) const {
    const ZipEntry* found = nullptr;
    for (const auto& e : m_entries) {
        const size_t slash = e.name.find('/');
        if (slash != std::string::npos && e.name.compare(slash + 1, std::string::npos, suffix) == 0) {
            if (found) throw ArchiveError("two entries end in '" + escape_bytes(suffix) + "'");
            found = &e;
        }
    }
    return found;
}

template <class Sink>
void ZipArchive::stream(const ZipEntry& entry, Sink&& sink) const {
    const std::string shown = "'" + escape_bytes(entry.name) + "'";
    uint32_t crc = 0;
    std::vector<unsigned char> in(1 << 16);
    if (entry.method == 0) {
        std::vector<unsigned char> buf(1 << 20);
        for (uint64_t done = 0; done < entry.size;) {
            const size_t n = size_t(std::min<uint64_t>(buf.size(), entry.size - done));
            m_source->read(entry.data_offset + done, buf.data(), n);
            crc = crc32_update(crc, buf.data(), n);
            sink(buf.data(), n);
            done += n;
        }
    } else {
        z_stream z{};
        if (inflateInit2(&z, -15) != Z_OK) throw ArchiveError("cannot start inflating " + shown);
        std::vector<unsigned char> out(1 << 18);
        uint64_t read_in = 0, produced = 0;
        int rc = Z_OK;
        try {
            while (rc != Z_STREAM_END) {
                if (z.avail_in == 0) {
                    const size_t n = size_t(std::min<uint64_t>(in.size(), entry.compressed - read_in));
                    if (n == 0) throw ArchiveError("entry " + shown + " ends before its deflated stream does");
                    m_source->read(entry.data_offset + read_in, in.data(), n);
                    read_in += n;
                    z.next_in = in.data();
                    z.avail_in = uInt(n);
                }
                z.next_out = out.data();
                z.avail_out = uInt(out.size());
                rc = inflate(&z, Z_NO_FLUSH);
                if (rc != Z_OK && rc != Z_STREAM_END) throw ArchiveError("entry " + shown + " is not valid deflate data");
                const size_t n = out.size() - z.avail_out;
                produced += n;
                if (produced > entry.size)
                    throw ArchiveError("entry " + shown + " inflates past its declared " + std::to_string(entry.size) +
                                       " bytes");
                crc = crc32_update(crc, out.data(), n);
                sink(out.data(), n);
            }
        } catch (...) {
            inflateEnd(&z);
            throw;
        }
        inflateEnd(&z);
        if (produced != entry.size)
            throw ArchiveError("entry " + shown + " inflates to " + std::to_string(produced) + " bytes, not the declared " +
                               std::to_string(entry.size));
    }
    if (crc != entry.crc)
        throw ArchiveError("entry " + shown + " fails its CRC-32 check (the file is damaged; get a fresh copy)");
}

std::string ZipArchive::read(const ZipEntry& entry, uint64_t max_bytes) const {
    if (entry.size > max_bytes)
        throw ArchiveError("entry '" + escape_bytes(entry.name) + "' holds " + std::to_string(entry.size) +
                           " bytes (at most " + std::to_string(max_bytes) + " accepted)");
    std::string out;
    out.reserve(size_t(entry.size));
    stream(entry, [&](const unsigned char* p, size_t n) { out.append(reinterpret_cast<const char*>(p), n); });
    return out;
}

void ZipArchive::verify(const ZipEntry& entry) const {
    stream(entry, [](const unsigned char*, size_t) {});
}

void ZipArchive::read_stored(const ZipEntry& entry, uint64_t offset, void* out, size_t n) const {
    if (entry.method != 0) throw ArchiveError("entry '" + escape_bytes(entry.name) + "' is compressed");
    if (offset > entry.size || n > entry.size - offset)
        throw ArchiveError("a read past the end of entry '" + escape_bytes(entry.name) + "'");
    m_source->read(entry.data_offset + offset, out, n);
}

}  // namespace ganscope
