// fuzz_readers: a deterministic mutation fuzzer for the torch-free readers, built with AddressSanitizer and
// UBSan. Runs every seed of a corpus, then mutations of them (bit flips, interesting integers, repeated and
// spliced chunks, truncation) for a bounded time; an input that crashes, trips a sanitizer or hangs is written
// to the crash folder (the death callback) so it can become a regression test. One thread.
//
//   fuzz_readers TARGET --corpus DIR [--corpus DIR...] [--seconds S] [--runs N] [--seed N] [--crashes DIR] [--max-len BYTES]
//   fuzz_readers TARGET FILE...        (replay inputs, e.g. a crash)
#include <dirent.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/targets.h"

namespace {

using Bytes = std::vector<uint8_t>;

std::string g_crash_dir = ".";
std::string g_target;
const Bytes* g_current = nullptr;

uint64_t fnv(const Bytes& b) {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t c : b) h = (h ^ c) * 1099511628211ull;
    return h;
}

void save_current(const char* why) {
    if (!g_current) return;
    char name[64];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(fnv(*g_current)));
    const std::string path = g_crash_dir + "/" + g_target + "-" + name;
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(g_current->data(), 1, g_current->size(), f);
        std::fclose(f);
    }
    std::fprintf(stderr, "fuzz: %s; input (%zu bytes) saved to %s\n", why, g_current->size(), path.c_str());
}

void on_death() { save_current("the target crashed"); }
void on_abort(int) {
    save_current("the target aborted (a sanitizer report or std::abort)");
    std::signal(SIGABRT, SIG_DFL);
    std::abort();
}
void on_alarm(int) {
    save_current("the target ran over 10 s on one input (a hang)");
    std::_Exit(3);
}

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<Bytes> read_corpus(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') names.push_back(dir + "/" + e->d_name);
        closedir(d);
    }
    std::sort(names.begin(), names.end());  // deterministic order
    std::vector<Bytes> out;
    for (const auto& n : names) out.push_back(read_file(n));
    return out;
}

struct Rng {
    uint64_t s;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
};

void mutate(Bytes& b, const std::vector<Bytes>& corpus, Rng& rng, size_t max_len) {
    static const uint64_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000,
                                           0xffffffff, 0x7fffffffffffffffull, 0xffffffffffffffffull, 1ull << 32,
                                           1000000, 16, 64};
    const int count = 1 + int(rng.below(6));
    for (int k = 0; k < count; ++k) {
        const size_t n = b.size();
        switch (rng.below(9)) {
            case 0: if (n) b[rng.below(n)] ^= uint8_t(1u << rng.below(8)); break;
            case 1: if (n) b[rng.below(n)] = uint8_t(rng.next()); break;
            case 2: {  // an interesting integer, 1/2/4/8 bytes little-endian
                if (!n) break;
                const size_t w = size_t(1) << rng.below(4), at = rng.below(n);
                const uint64_t v = interesting[rng.below(sizeof interesting / sizeof interesting[0])];
                for (size_t i = 0; i < w && at + i < n; ++i) b[at + i] = uint8_t(v >> (8 * i));
                break;
            }
            case 3: {  // insert random bytes
                const size_t at = rng.below(n + 1), len = 1 + rng.below(16);
                Bytes ins(len);
                for (auto& c : ins) c = uint8_t(rng.next());
                b.insert(b.begin() + std::ptrdiff_t(at), ins.begin(), ins.end());
                break;
            }
            case 4: {  // delete a range
                if (!n) break;
                const size_t at = rng.below(n), len = 1 + rng.below(std::min<size_t>(n - at, 64));
                b.erase(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
                break;
            }
            case 5: {  // repeat a chunk many times (deep nesting, long lists)
                if (!n) break;
                const size_t at = rng.below(n), len = 1 + rng.below(std::min<size_t>(n - at, 8));
                const size_t times = 1 + rng.below(rng.below(2) ? 16 : 4096);
                Bytes chunk(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len)), rep;
                for (size_t t = 0; t < times && rep.size() < max_len; ++t) rep.insert(rep.end(), chunk.begin(), chunk.end());
                b.insert(b.begin() + std::ptrdiff_t(at), rep.begin(), rep.end());
                break;
            }
            case 6: {  // splice a piece of another seed
                if (corpus.empty()) break;
                const Bytes& o = corpus[rng.below(corpus.size())];
                if (o.empty()) break;
                const size_t from = rng.below(o.size()), len = 1 + rng.below(std::min<size_t>(o.size() - from, 256));
                const size_t at = rng.below(n + 1);
                b.insert(b.begin() + std::ptrdiff_t(at), o.begin() + std::ptrdiff_t(from),
                         o.begin() + std::ptrdiff_t(from + len));
                break;
            }
            case 7: if (n) b.resize(rng.below(n)); break;  // truncate
            case 8: {  // copy a range within the input
                if (n < 2) break;
                const size_t from = rng.below(n), to = rng.below(n), len = 1 + rng.below(std::min<size_t>(n - from, 32));
                for (size_t i = 0; i < len && to + i < n; ++i) b[to + i] = b[from + i];
                break;
            }
        }
    }
    if (b.size() > max_len) b.resize(max_len);
}

}  // namespace

// UBSan findings end the run through abort(), so on_abort saves the input (ASan calls on_death itself).
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:abort_on_error=1:print_stacktrace=1"; }

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s TARGET --corpus DIR [--seconds S] [--runs N] [--seed N] [--crashes DIR]\n"
                     "       %s TARGET FILE...\ntargets: %s\n", argv[0], argv[0], ganscope::fuzz::target_names());
        return 2;
    }
    g_target = argv[1];
    auto target = ganscope::fuzz::find_target(g_target);
    if (!target) {
        std::fprintf(stderr, "fuzz: no target '%s' (targets: %s)\n", argv[1], ganscope::fuzz::target_names());
        return 2;
    }
    std::vector<std::string> corpus_dirs;
    double seconds = 10;
    uint64_t max_runs = UINT64_MAX, seed = 1;
    size_t max_len = 1 << 20;
    std::vector<std::string> files;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--corpus") corpus_dirs.push_back(value());
        else if (a == "--seconds") seconds = std::atof(value().c_str());
        else if (a == "--runs") max_runs = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--seed") seed = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--crashes") g_crash_dir = value();
        else if (a == "--max-len") max_len = std::strtoull(value().c_str(), nullptr, 10);
        else files.push_back(a);
    }
    mkdir(g_crash_dir.c_str(), 0755);
    __sanitizer_set_death_callback(on_death);
    std::signal(SIGALRM, on_alarm);
    std::signal(SIGABRT, on_abort);

    if (!files.empty()) {  // replay
        for (const auto& f : files) {
            Bytes b = read_file(f);
            g_current = &b;
            alarm(10);
            const bool ok = target(b.data(), b.size());
            alarm(0);
            std::printf("%s: %s\n", f.c_str(), ok ? "accepted" : "refused");
        }
        return 0;
    }
    std::vector<Bytes> corpus;
    for (const auto& dir : corpus_dirs)
        for (auto& b : read_corpus(dir)) corpus.push_back(std::move(b));
    if (corpus.empty()) std::fprintf(stderr, "fuzz: no seeds; starting from an empty input\n");
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    uint64_t runs = 0, accepted = 0, seeds_accepted = 0;
    for (const Bytes& s : corpus) {
        g_current = &s;
        alarm(10);
        const bool ok = target(s.data(), s.size());
        alarm(0);
        seeds_accepted += ok;
        ++runs;
    }
    Rng rng{seed * 0x9E3779B97F4A7C15ull + 1};
    Bytes input;
    while (runs < max_runs && elapsed() < seconds) {
        input = corpus.empty() ? Bytes() : corpus[rng.below(corpus.size())];
        mutate(input, corpus, rng, max_len);
        g_current = &input;
        alarm(10);
        accepted += target(input.data(), input.size());
        alarm(0);
        ++runs;
    }
    g_current = nullptr;
    std::printf("fuzz %s: %zu seeds (%llu accepted), %llu runs in %.1f s, %llu mutated inputs accepted, the rest "
                "refused; no crash\n",
                g_target.c_str(), corpus.size(), static_cast<unsigned long long>(seeds_accepted),
                static_cast<unsigned long long>(runs), elapsed(), static_cast<unsigned long long>(accepted));
    return 0;
}
