// Crafted files for the hostile-file tests: pickle bytes, zip archives (stored or deflated, sizes and CRCs
// that may lie), legacy torch.save files, a child process whose peak memory is measured, and a full disk
// (a small tmpfs when this process may mount one, else a file-size limit: writes fail in the kernel either way).
#pragma once

#include <spawn.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern char** environ;

namespace ganscope::test {

inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
inline void write_all(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Protocol-2 pickle pieces.
struct Pk {
    std::string b = "\x80\x02";
    Pk& op(char c) { b.push_back(c); return *this; }
    Pk& raw(const std::string& s) { b += s; return *this; }
    Pk& u32(uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); return *this; }
    Pk& str(const std::string& s) { op('X'); u32(uint32_t(s.size())); b += s; return *this; }
    Pk& integer(int64_t v) {
        if (v >= INT32_MIN && v <= INT32_MAX) { op('J'); u32(uint32_t(int32_t(v))); }
        else { op('\x8a'); op(8); b.append(reinterpret_cast<const char*>(&v), 8); }
        return *this;
    }
    Pk& global(const std::string& module, const std::string& name) { b += "c" + module + "\n" + name + "\n"; return *this; }
    Pk& ints(const std::vector<int64_t>& v) { op('('); for (auto x : v) integer(x); op('t'); return *this; }
    // _rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), offset, sizes, strides, False, OrderedDict())
    Pk& tensor(const std::string& key, int64_t numel, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
               int64_t offset = 0, const std::string& type = "FloatStorage") {
        global("torch._utils", "_rebuild_tensor_v2").op('(').op('(').str("storage").global("torch", type).str(key).str("cpu");
        integer(numel).op('t').op('Q').integer(offset).ints(sizes).ints(strides).op('\x89');
        global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        return *this;
    }
    Pk& ordered_dict() { return global("collections", "OrderedDict").op(')').op('R'); }
    std::string done() { return b + "."; }
};

struct ZipItem {
    std::string name, data;
    bool deflate = false;
    int64_t declared_size = -1;  // lie about the inflated size
    bool bad_crc = false;
};

inline std::string deflate_raw(const std::string& data) {
    z_stream z{};
    deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, uLong(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// Deflates `count` zero bytes in chunks (a zip bomb's payload) without holding them.
inline std::string deflate_zeros(uint64_t count, uint32_t* crc) {
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_RLE);
    std::string zeros(1 << 20, '\0'), out, buf(1 << 16, '\0');
    uLong c = crc32(0, nullptr, 0);
    for (uint64_t done = 0; done < count;) {
        const size_t n = size_t(std::min<uint64_t>(zeros.size(), count - done));
        done += n;
        c = crc32(c, reinterpret_cast<const Bytef*>(zeros.data()), uInt(n));
        z.next_in = reinterpret_cast<Bytef*>(zeros.data());
        z.avail_in = uInt(n);
        const int flush = done == count ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = uInt(buf.size());
            deflate(&z, flush);
            out.append(buf.data(), buf.size() - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    *crc = uint32_t(c);
    return out;
}

inline std::string make_zip(const std::vector<ZipItem>& items, uint32_t bomb_crc = 0) {
    auto le = [](std::string& s, uint64_t v, int n) { for (int i = 0; i < n; ++i) s.push_back(char(v >> (8 * i))); };
    std::string out, cd;
    for (const ZipItem& it : items) {
        const std::string payload = it.deflate ? deflate_raw(it.data) : it.data;
        uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(it.data.data()), uInt(it.data.size())));
        if (it.declared_size >= 0 && bomb_crc) crc = bomb_crc;
        if (it.bad_crc) crc ^= 1;
        const uint64_t size = it.declared_size >= 0 ? uint64_t(it.declared_size) : it.data.size();
        const uint64_t offset = out.size();
        std::string h;
        le(h, 0x04034b50, 4); le(h, 20, 2); le(h, 0, 2); le(h, it.deflate ? 8 : 0, 2); le(h, 0, 4);
        le(h, crc, 4); le(h, payload.size(), 4); le(h, size, 4); le(h, it.name.size(), 2); le(h, 0, 2);
        out += h + it.name + payload;
        std::string c;
        le(c, 0x02014b50, 4); le(c, 20, 2); le(c, 20, 2); le(c, 0, 2); le(c, it.deflate ? 8 : 0, 2); le(c, 0, 4);
        le(c, crc, 4); le(c, payload.size(), 4); le(c, size, 4); le(c, it.name.size(), 2); le(c, 0, 2); le(c, 0, 2);
        le(c, 0, 2); le(c, 0, 2); le(c, 0, 4); le(c, offset, 4);
        cd += c + it.name;
    }
    const uint64_t cd_offset = out.size();
    out += cd;
    std::string e;
    le(e, 0x06054b50, 4); le(e, 0, 2); le(e, 0, 2); le(e, items.size(), 2); le(e, items.size(), 2);
    le(e, cd.size(), 4); le(e, cd_offset, 4); le(e, 0, 2);
    return out + e;
}

// A torch.save zip of one pickle and its storages.
inline std::string torch_zip(const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages = {},
                             const std::string& byteorder = "little") {
    std::vector<ZipItem> items = {{"archive/data.pkl", pickle}};
    if (!byteorder.empty()) items.push_back({"archive/byteorder", byteorder});
    for (const auto& [key, bytes] : storages) items.push_back({"archive/data/" + key, bytes});
    return make_zip(items);
}

// The legacy (pre-1.6) layout: magic, protocol, sys_info, the object, the storage keys, then the storages.
inline std::string legacy_file(const std::string& object, const std::vector<std::pair<std::string, std::string>>& storages,
                               int64_t element_size = 4, bool little_endian = true) {
    std::string f = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";   // the magic number
    f += "\x80\x02M\xe9\x03.";                                                 // protocol 1001
    Pk sys;
    sys.op('}').op('(').str("protocol_version").integer(1001).str("little_endian").op(little_endian ? '\x88' : '\x89').op('u');
    f += sys.done();
    f += object;
    Pk keys;
    keys.op(']').op('(');
    for (const auto& s : storages) keys.str(s.first);
    keys.op('e');
    f += keys.done();
    for (const auto& [key, bytes] : storages) {
        uint64_t n = bytes.size() / uint64_t(element_size);
        if (!little_endian) n = __builtin_bswap64(n);
        f.append(reinterpret_cast<const char*>(&n), 8);
        f += bytes;
    }
    return f;
}

inline std::string read_link_self() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return std::string(buf, n > 0 ? size_t(n) : 0);
}

// Runs this test binary as a child (`--child-read-weights PATH`, see main.cpp) and returns its peak resident
// memory in KiB (wait4's rusage): the child starts fresh, so the figure is the reading's own.
inline long child_peak_kib(const std::string& mode, const std::string& path, int* status_out = nullptr) {
    const std::string self = read_link_self();
    std::vector<std::string> args = {self, mode, path};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    if (status_out) *status_out = status;
    return usage.ru_maxrss;
}

// A folder where writes fail once fill() is called: a tmpfs of `bytes` when mounting works (root), filled up
// (ENOSPC), else RLIMIT_FSIZE on this process at 4 KiB (EFBIG past it; SIGXFSZ ignored).
// Existing files stay readable. The destructor unmounts or lifts the limit.
class FullDisk {
public:
    FullDisk(const std::string& dir, uint64_t bytes) : m_dir(dir) {
        if (::mount("none", dir.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) == 0) {
            m_mounted = true;
            return;
        }
    }
    // Call once the files that should exist before the disk fills are written.
    void fill() {
        if (m_mounted) {
            // Fill what is left, so the next write finds no space.
            std::ofstream pad(m_dir + "/padding", std::ios::binary);
            std::string block(4096, 'x');
            while (pad.write(block.data(), std::streamsize(block.size()))) {}
            return;
        }
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        struct rlimit lim = m_old;
        lim.rlim_cur = 4096;  // no file of this process grows past 4 KiB: the next checkpoint cannot be written
        setrlimit(RLIMIT_FSIZE, &lim);
        m_limited = true;
    }
    void release() {
        if (m_limited) setrlimit(RLIMIT_FSIZE, &m_old);
        m_limited = false;
    }
    ~FullDisk() {
        release();
        if (m_mounted) ::umount2(m_dir.c_str(), MNT_DETACH);
    }
    const char* kind() const { return m_mounted ? "a full tmpfs" : "RLIMIT_FSIZE"; }

private:
    std::string m_dir;
    bool m_mounted = false, m_limited = false;
    struct rlimit m_old {};
};

}  // namespace ganscope::test
