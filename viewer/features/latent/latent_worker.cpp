// LatentWorker (see latent_worker.h): the inference thread. Only thread_main touches the generator.
#include "viewer/features/latent/latent_worker.h"

#include <chrono>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ml/models/dcgan.h"
#include "ml/run/module_io.h"
#include "ml/data/tensor_image.h"

namespace ganscope {

LatentWorker::LatentWorker(torch::Device device)
    : m_device(device),
      m_model(std::make_unique<Model>()),
      m_loop([this](Pending& taken) { work(taken); }, std::nullopt, [device]() -> std::shared_ptr<void> {
          // Our own CUDA stream: inference never queues behind the trainer's kernels on the default stream.
          if (!device.is_cuda()) return nullptr;
          return std::make_shared<c10::cuda::CUDAStreamGuard>(c10::cuda::getStreamFromPool(false, device.index()));
      }) {}

void LatentWorker::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!weights) return;
    m_loop.post([&](Pending& p) { p.weights = std::move(weights); });
}

uint64_t LatentWorker::request(LatentJob job, torch::Tensor latents) {
    torch::Tensor cpu = latents.to(torch::kCPU, torch::kFloat32).contiguous();
    return m_loop.post([&](Pending& p) {
        Job& j = p.jobs[int(job)];
        j.id = ++m_next_id;
        j.latents = std::move(cpu);
        j.dirty = true;
        return j.id;
    });
}

void LatentWorker::request_pca(int samples, int count) {
    m_loop.post([&](Pending& p) { p.pca = {samples, count}; });
}

std::string LatentWorker::error() const { return m_loop.error(); }

// The generator this thread owns, rebuilt only when a snapshot's architecture differs.
struct LatentWorker::Model {
    DcganGenerator generator{nullptr};
    int image_size = 0, latent_dim = 0, width = 0;
};

LatentWorker::~LatentWorker() = default;  // the loop (last member) joins first

void LatentWorker::load(const WeightsSnapshot& snapshot) {
    const TrainConfig& c = snapshot.config;
    if (!c.has_latent_space())
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
    // The trainer cloned these on its stream; this thread's own stream must not read them before that is done.
    if (snapshot.ready && m_device.is_cuda()) snapshot.ready->block(c10::cuda::getCurrentCUDAStream(m_device.index()));
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
    if (job == int(LatentJob::Strip))
        out.grid = make_grid(out.images, int(out.images.size(0)), kDisplayPadding, kDisplayGutter).contiguous();
    if (m_device.is_cuda()) {
        out.ready = std::make_shared<c10::Event>(c10::DeviceType::CUDA);
        out.ready->record(c10::cuda::getCurrentCUDAStream(m_device.index()));
    }
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m_results[job].publish(std::move(out));
}

void LatentWorker::work(Pending& taken) {
    for (int j = 0; j < kLatentJobCount; ++j) {
        if (!taken.jobs[j].dirty) continue;
        m_last[j] = taken.jobs[j].latents;
        m_last_id[j] = taken.jobs[j].id;
    }
    if (taken.pca.first > 0) m_waiting_pca = taken.pca;
    if (taken.weights) load(*taken.weights);
    if (!m_model->generator) return;  // requests wait (kept in m_last) until weights arrive
    for (int j = 0; j < kLatentJobCount; ++j)
        if (m_last[j].defined() && (taken.jobs[j].dirty || taken.weights)) render(j, m_last_id[j], m_last[j]);
    if (m_waiting_pca.first > 0) {
        const auto [samples, count] = m_waiting_pca;
        m_waiting_pca = {0, 0};
        PcaResult result;
        result.weights_step = m_loaded_step;
        const int dim = m_model->latent_dim;
        result.directions = pca_directions(
            [&](const torch::Tensor& z) { return dcgan_early_features(m_model->generator, z.to(m_device)); }, dim,
            samples, std::min(count, dim), 1234);
        m_pca.publish(std::move(result));
    }
}

}  // namespace ganscope
