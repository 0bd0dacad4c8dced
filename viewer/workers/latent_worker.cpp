// LatentWorker (see latent_worker.h): the inference thread. Only thread_main touches the generator.
#include "viewer/workers/latent_worker.h"

#include <chrono>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ml/dcgan.h"
#include "ml/module_io.h"

namespace ganscope {

LatentWorker::LatentWorker(torch::Device device) : m_device(device), m_model(std::make_unique<Model>()) {
    m_thread = std::thread([this] { thread_main(); });
}

LatentWorker::~LatentWorker() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void LatentWorker::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!weights) return;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending_weights = std::move(weights);
    }
    m_cv.notify_all();
}

uint64_t LatentWorker::request(LatentJob job, torch::Tensor latents) {
    uint64_t id;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto& p = m_pending[int(job)];
        id = p.id = ++m_next_id;
        p.latents = latents.to(torch::kCPU, torch::kFloat32).contiguous();
        p.dirty = true;
    }
    m_cv.notify_all();
    return id;
}

void LatentWorker::request_pca(int samples, int count) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pca_request = {samples, count};
    }
    m_cv.notify_all();
}

std::string LatentWorker::error() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

// The generator this thread owns, rebuilt only when a snapshot's architecture differs.
struct LatentWorker::Model {
    DcganGenerator generator{nullptr};
    int image_size = 0, latent_dim = 0, width = 0;
};

void LatentWorker::load(const WeightsSnapshot& snapshot) {
    const TrainConfig& c = snapshot.config;
    if (c.model != "dcgan")
        throw std::runtime_error("the latent explorer needs a DCGAN generator; this run trains '" + c.model + "'");
    if (!m_model->generator || m_model->image_size != c.image_size || m_model->latent_dim != c.latent_dim ||
        m_model->width != c.g_width) {
        m_model->generator = DcganGenerator(c.image_size, c.latent_dim, c.g_width);
        m_model->generator->to(m_device);
        m_model->image_size = c.image_size;
        m_model->latent_dim = c.latent_dim;
        m_model->width = c.g_width;
    }
    torch::NoGradGuard no_grad;
    assign_named_tensors(*m_model->generator, snapshot.tensors, "weights snapshot of step " + std::to_string(snapshot.step));
    m_model->generator->eval();  // as the trainer's render_samples: BatchNorm from running statistics
    m_loaded_step = snapshot.step;
}

void LatentWorker::render(int job, uint64_t id, const torch::Tensor& latents) {
    auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    LatentImages out;
    out.request = id;
    out.weights_step = m_loaded_step;
    out.images = m_model->generator->forward(latents.to(m_device)).contiguous();
    if (m_device.is_cuda()) {
        out.ready = std::make_shared<c10::Event>(c10::DeviceType::CUDA);
        out.ready->record(c10::cuda::getCurrentCUDAStream(m_device.index()));
    }
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m_results[job].publish(std::move(out));
}

void LatentWorker::thread_main() {
    // Our own CUDA stream: inference never queues behind the trainer's kernels on the default stream.
    std::optional<c10::cuda::CUDAStreamGuard> stream_guard;
    if (m_device.is_cuda()) stream_guard.emplace(c10::cuda::getStreamFromPool(false, m_device.index()));
    std::array<torch::Tensor, kLatentJobCount> last;  // each job's latest latents, re-rendered on new weights
    std::array<uint64_t, kLatentJobCount> last_id{};
    for (;;) {
        std::shared_ptr<const WeightsSnapshot> weights;
        std::array<Pending, kLatentJobCount> jobs;
        std::pair<int, int> pca{0, 0};
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait(lock, [&] {
                if (m_quit || m_pending_weights || m_pca_request.first > 0) return true;
                for (auto& p : m_pending)
                    if (p.dirty) return true;
                return false;
            });
            if (m_quit) return;
            weights = std::move(m_pending_weights);
            m_pending_weights.reset();
            for (int j = 0; j < kLatentJobCount; ++j) {
                jobs[j] = m_pending[j];
                m_pending[j].dirty = false;
            }
            if (m_model->generator || weights) std::swap(pca, m_pca_request);
            for (int j = 0; j < kLatentJobCount; ++j) {
                if (!jobs[j].dirty) continue;
                last[j] = jobs[j].latents;
                last_id[j] = jobs[j].id;
            }
        }
        try {
            if (weights) load(*weights);
            if (!m_model->generator) continue;  // requests wait (kept in `last`) until weights arrive
            for (int j = 0; j < kLatentJobCount; ++j) {
                if (last[j].defined() && (jobs[j].dirty || weights)) render(j, last_id[j], last[j]);
            }
            if (pca.first > 0) {
                PcaResult result;
                result.weights_step = m_loaded_step;
                const int dim = m_model->latent_dim;
                result.directions = pca_directions(
                    [&](const torch::Tensor& z) { return dcgan_early_features(m_model->generator, z.to(m_device)); },
                    dim, pca.first, std::min(pca.second, dim), 1234);
                m_pca.publish(std::move(result));
            }
            std::lock_guard<std::mutex> lock(m_mutex);
            m_error.clear();
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_error = e.what();
        }
    }
}

}  // namespace ganscope
