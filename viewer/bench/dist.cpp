// `ganscope bench dist`: on one global batch, 2 ranks of 1 thread each (Gloo on 127.0.0.1) against
// 1 process of 2 threads, in alternating rounds of real `ganscope train --headless` runs; prints the allreduce
// time per step and `ratio: X` (2 ranks / 1 process, images per second) last. With --device cuda: world size 1
// on NCCL against no process group. Main thread.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "viewer/bench/bench.h"
#include "viewer/commands/cli.h"

namespace ganscope {
namespace {

struct Round {
    double images_per_sec = 0;
    double allreduce_ms = -1;  // -1: no process group
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// One training run of this binary; throughput from rank 0's metrics after the warm-up steps.
Round run_once(const std::string& env, const std::string& args, const std::string& out, int64_t warmup,
               int64_t global_batch) {
    std::filesystem::remove_all(out);
    // Through a shell, /proc/self/exe would be the shell: name this binary by its real path.
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string command = env + " " + self + " train --headless " + args + " --out " + out + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("bench dist: cannot start " + command);
    std::string text;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) text.append(buf, n);
    if (pclose(pipe) != 0) throw std::runtime_error("bench dist: a training run failed:\n" + text);
    Round r;
    const auto at = text.find("allreduce ");
    if (at != std::string::npos) r.allreduce_ms = std::stod(text.substr(at + 10));
    std::ifstream metrics(out + "/metrics.jsonl");
    double t0 = -1, t1 = -1;
    int64_t s0 = 0, s1 = 0;
    for (std::string line; std::getline(metrics, line);) {
        const auto j = nlohmann::json::parse(line);
        const int64_t step = j["step"].get<int64_t>();
        if (step == warmup) t0 = j["seconds"].get<double>(), s0 = step;
        if (step > warmup) t1 = j["seconds"].get<double>(), s1 = step;
    }
    if (t0 < 0 || t1 <= t0) throw std::runtime_error("bench dist: no metrics after the warm-up in " + out);
    r.images_per_sec = double(s1 - s0) * double(global_batch) / (t1 - t0);
    return r;
}

}  // namespace

int bench_dist(const Args& args) {
    const std::string device = args.get("device", "cpu");
    const bool gpu = device.rfind("cuda", 0) == 0;
    const int size = args.get_int("size", gpu ? 64 : 32);
    const int batch = args.get_int("batch", 64);  // global
    const int width = args.get_int("width", gpu ? 64 : 32);
    const int64_t warmup = args.get_int64("warmup", gpu ? 20 : 3);
    const int64_t steps = args.get_int64("steps", gpu ? 200 : 15);
    const int rounds = args.get_int("rounds", 3);
    if (batch < 2 || batch % 2 || steps < 2 || rounds < 1) throw UsageError("bench dist: --batch must be even, --steps >= 2, --rounds >= 1");
    const std::string work = (std::filesystem::temp_directory_path() / "ganscope-bench-dist").string();
    const std::string common = "--device " + device + " --size " + std::to_string(size) + " --width " + std::to_string(width) +
                               " --steps " + std::to_string(warmup + steps) + " --log-every 1 --sample-every 100000" +
                               " --checkpoint-every 100000 --snapshot-every 100000 --history-every 100000 --workers 1";
    // Side A and side B, alternating so that both see the same load on a shared machine.
    std::string name_a, name_b, args_a, args_b, env_a = "", env_b = "";
    if (gpu) {
        name_a = "NCCL world size 1";
        name_b = "no process group";
        args_a = args_b = common + " --batch " + std::to_string(batch);
        env_a = "WORLD_SIZE=1 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(29600 + getpid() % 20000);
    } else {
        name_a = "2 ranks x 1 thread (gloo)";
        name_b = "1 process x 2 threads";
        args_a = common + " --nproc 2 --threads 1 --batch " + std::to_string(batch / 2);
        args_b = common + " --threads 2 --batch " + std::to_string(batch);
    }
    std::printf("bench dist: dcgan %dx%d, width %d, global batch %d, %s; %d alternating rounds of %lld steps after %lld "
                "warm-up steps: %s vs %s\n",
                size, size, width, batch, device.c_str(), rounds, static_cast<long long>(steps),
                static_cast<long long>(warmup), name_a.c_str(), name_b.c_str());
    std::fflush(stdout);
    std::vector<double> a, b, ratios, allreduce;
    for (int r = 0; r < rounds; ++r) {
        const Round ra = run_once(env_a, args_a, work + "/a", warmup, batch);
        const Round rb = run_once(env_b, args_b, work + "/b", warmup, batch);
        a.push_back(ra.images_per_sec);
        b.push_back(rb.images_per_sec);
        ratios.push_back(ra.images_per_sec / rb.images_per_sec);
        if (ra.allreduce_ms >= 0) allreduce.push_back(ra.allreduce_ms);
        std::printf("round %d: %s %.1f img/s (allreduce %.2f ms/step), %s %.1f img/s\n", r + 1, name_a.c_str(),
                    ra.images_per_sec, ra.allreduce_ms, name_b.c_str(), rb.images_per_sec);
        std::fflush(stdout);
    }
    std::filesystem::remove_all(work);
    std::printf("%s: %.1f img/s (median)\n%s: %.1f img/s (median)\nallreduce: %.2f ms per step (median over rounds of each run's mean)\nratio: %.3f\n",
                name_a.c_str(), median(a), name_b.c_str(), median(b), median(allreduce), median(ratios));
    return 0;
}

}  // namespace ganscope
