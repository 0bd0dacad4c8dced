// LatentRunsWorker (see latent_runs_worker.h): the rendering thread. Only work() touches the generators.
#include "viewer/features/compare/latent_runs_worker.h"

#include <chrono>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ml/formats/safe_text.h"

namespace ganscope {

LatentRunsWorker::LatentRunsWorker()
    : m_loop([this](Pending& taken) { work(taken); }, std::nullopt,
             []() -> std::shared_ptr<void> {
                 // Our own CUDA stream: rendering never queues behind a trainer's kernels on the default stream.
                 if (!torch::cuda::is_available()) return nullptr;
                 return std::make_shared<c10::cuda::CUDAStreamGuard>(c10::cuda::getStreamFromPool(false, 0));
             }) {}

LatentRunsWorker::~LatentRunsWorker() = default;  // the loop (last member) joins first

uint64_t LatentRunsWorker::request(const torch::Tensor& latent, std::vector<RunWeights> runs) {
    torch::Tensor cpu = latent.detach().to(torch::kCPU, torch::kFloat32).reshape({-1}).clone();
    return m_loop.post([&](Pending& p) {
        p.id = ++m_next_id;
        p.latent = std::move(cpu);
        p.runs = std::move(runs);
        return p.id;
    });
}

void LatentRunsWorker::work(Pending& taken) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    LatentThroughRuns out;
    out.request = taken.id;
    out.latent = taken.latent;
    std::map<uint64_t, Generator> kept;  // runs no longer asked for let go of their generators
    for (const RunWeights& w : taken.runs) {
        LatentThroughRuns::Run r;
        r.run = w.run;
        try {
            if (!w.weights) throw std::runtime_error("no weights");
            Generator g;
            if (auto it = m_generators.find(w.run); it != m_generators.end() && it->second.weights == w.weights)
                g = std::move(it->second);
            if (!g.generator) {
                const WeightsSnapshot& s = *w.weights;
                const torch::Device device = render_device(s);
                // A trainer here cloned these on its own stream: ours must not read them before that is done.
                if (s.ready && device.is_cuda()) s.ready->block(c10::cuda::getCurrentCUDAStream(device.index()));
                g.weights = w.weights;
                g.generator = std::make_unique<SnapshotGenerator>(s, device);
            }
            if (g.generator->is_image_to_image())
                throw std::runtime_error("an image-to-image generator takes no latent");
            if (g.generator->latent_dim() != taken.latent.size(0))
                throw std::runtime_error("latent size " + std::to_string(g.generator->latent_dim()) + ", not " +
                                         std::to_string(taken.latent.size(0)));
            r.weights_step = g.generator->step();
            r.image = g.generator->generate(taken.latent.unsqueeze(0))[0].to(torch::kCPU).contiguous();
            kept[w.run] = std::move(g);
        } catch (const std::exception& e) {
            r.error = one_line(e.what());
        }
        out.runs.push_back(std::move(r));
    }
    m_generators = std::move(kept);
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m_result.publish(std::move(out));
}

}  // namespace ganscope
