// ProjectWorker (see project_worker.h). Public methods: GL thread; work(): the worker's thread.
#include "viewer/features/project/project_worker.h"

#include <chrono>
#include <optional>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ml/models/dcgan.h"
#include "ml/run/module_io.h"

namespace ganscope {

// The networks this thread owns, rebuilt when a snapshot's architecture differs.
struct ProjectWorker::Model {
    DcganGenerator generator{nullptr};
    DcganDiscriminator discriminator{nullptr};
    bool has_discriminator = false;
    std::string shape;                              // size, latent, widths, device the networks were built for
    int64_t step = -1;                              // the snapshot they hold
    std::shared_ptr<const WeightsSnapshot> loaded;  // kept: compared by identity
};

ProjectWorker::ProjectWorker() : m_model(std::make_unique<Model>()), m_loop([this](Pending& taken) { work(taken); }) {}

ProjectWorker::~ProjectWorker() {
    m_newest = ~uint64_t(0);  // a projection in progress ends at its next step
    m_loop.stop();
}

void ProjectWorker::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!weights) return;
    std::lock_guard<std::mutex> lock(m_weights_mutex);
    m_weights = std::move(weights);
}

uint64_t ProjectWorker::request(ProjectRequest request) {
    return m_loop.post([&](Pending& p) {
        p.id = ++m_next_id;
        p.request = std::move(request);
        p.set = true;
        m_newest = p.id;
        return p.id;
    });
}

void ProjectWorker::stop() { m_newest = ~uint64_t(0); }

namespace {
std::string one_line(const std::exception& e) {
    if (const auto* c = dynamic_cast<const c10::Error*>(&e)) {
        const std::string what = c->what_without_backtrace();
        return what.substr(0, what.find('\n'));
    }
    return e.what();
}
}  // namespace

void ProjectWorker::work(Pending& taken) {
    ProjectUpdate update;
    update.request = taken.id;
    update.from = taken.request.from;
    try {
        run(taken, update);
    } catch (const std::exception& e) {
        update.error = one_line(e);
        update.finished = true;
        m_updates.publish(std::move(update));
    }
}

void ProjectWorker::run(const Pending& taken, ProjectUpdate& update) {
    std::shared_ptr<const WeightsSnapshot> weights;
    {
        std::lock_guard<std::mutex> lock(m_weights_mutex);
        weights = m_weights;
    }
    if (!weights) throw std::runtime_error("no generator yet: the run has not published its weights");
    const TrainConfig& c = weights->config;
    if (!c.has_latent_space())
        throw std::runtime_error("projection needs a generator of latents (a DCGAN run); this run trains '" + c.model +
                                 "'");
    const torch::Device device = render_device(*weights);
    std::optional<c10::cuda::CUDAStreamGuard> stream;
    if (device.is_cuda()) {
        // Our own stream: the projection never queues behind the trainer's kernels; the snapshot's clones first.
        stream.emplace(c10::cuda::getStreamFromPool(false, device.index()));
        if (weights->ready) weights->ready->block(c10::cuda::getCurrentCUDAStream(device.index()));
    }
    Model& m = *m_model;
    const std::string shape = std::to_string(c.image_size) + "/" + std::to_string(c.latent_dim) + "/" +
                              std::to_string(c.g_width) + "/" + std::to_string(c.d_width) + "/" + device.str();
    if (m.shape != shape) {
        m.generator = DcganGenerator(c.image_size, c.latent_dim, c.g_width);
        m.generator->to(device);
        m.discriminator = DcganDiscriminator(c.image_size, c.d_width);
        m.discriminator->to(device);
        m.shape = shape;
        m.loaded = nullptr;
    }
    if (m.loaded != weights) {
        torch::NoGradGuard no_grad;
        const std::string origin = "weights snapshot of step " + std::to_string(weights->step);
        assign_named_tensors(*m.generator, weights->tensors, origin);
        m.has_discriminator = !weights->discriminator.empty();
        if (m.has_discriminator) assign_named_tensors(*m.discriminator, weights->discriminator, origin);
        m.step = weights->step;
        m.loaded = weights;
    }
    const ProjectRequest& r = taken.request;
    update.target = r.path.empty() ? r.image.to(torch::kCPU, torch::kFloat32)
                                   : load_projection_target(r.path, c.image_size, c.background);
    if (update.target.dim() != 3 || update.target.size(1) != c.image_size || update.target.size(2) != c.image_size) {
        // An image from inside the window at another size: resized as the training images are (area).
        torch::Tensor t = update.target.unsqueeze(0);
        t = torch::nn::functional::interpolate(t, torch::nn::functional::InterpolateFuncOptions()
                                                      .size(std::vector<int64_t>{c.image_size, c.image_size})
                                                      .mode(torch::kArea));
        update.target = t[0].clamp(-1, 1);
    }
    update.weights_step = m.step;
    update.features = m.has_discriminator && r.options.feature_weight > 0;
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t id = taken.id;
    auto publish = [&](const ProjectionProgress& p, bool finished) {
        ProjectUpdate u;
        u.request = id;
        u.from = r.from;
        u.target = update.target;
        u.progress = p;
        u.weights_step = update.weights_step;
        u.features = update.features;
        u.finished = finished;
        u.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        m_updates.publish(std::move(u));
    };
    // Updates about every 5 steps: a few per second on a CPU, enough to watch the explorer's image converge.
    const ProjectionProgress last = project_latent(
        m.generator, m.has_discriminator ? &m.discriminator : nullptr, update.target, r.options,
        [&](const ProjectionProgress& p) {
            if (m_newest.load() != id) return false;
            if (!p.done) publish(p, false);
            return true;
        },
        5);
    publish(last, true);
}

}  // namespace ganscope
