// The Projection module (see project_module.h). GL thread.
#include "viewer/features/project/project_module.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "ml/models/projection.h"
#include "render/gl_context.h"

namespace ganscope {
namespace {
ProjectModule* g_drop_target = nullptr;  // GLFW's drop callback has no user data we may use (the context owns it)
}  // namespace

void ProjectModule::on_drop(GLFWwindow*, int count, const char** paths) {
    if (g_drop_target && count >= 1) g_drop_target->project_file(paths[0]);
}

void ProjectModule::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    m_weights = weights;
    if (m_worker) m_worker->set_weights(std::move(weights));
}

void ProjectModule::start(ProjectRequest r) {
    if (!m_worker) {
        m_worker = std::make_unique<ProjectWorker>();
        m_worker->set_weights(m_weights);
    }
    r.options.search_steps = std::min(40, m_model.steps / 4);  // as `ganscope project --steps N`
    r.options.steps = m_model.steps - r.options.search_steps;
    r.options.restarts = m_model.restarts;
    r.options.feature_weight = m_model.feature_weight;
    ProjectModel& m = m_model;
    m.from = "projecting " + r.from + "...";
    m.error.clear();
    m.message.clear();
    m.losses.clear();
    m.step = 0;
    m.total = r.options.total_steps();
    m.start_kept = -1;
    m.running = true;
    m.complete = false;
    m_explored_step = -1;
    m_last_request = m_worker->request(std::move(r));
}

void ProjectModule::project_file(const std::string& path) {
    m_model.path = path;
    ProjectRequest r;
    r.path = path;
    r.from = path;
    start(std::move(r));
}

void ProjectModule::project_image(const torch::Tensor& image, const std::string& from) {
    ProjectRequest r;
    r.image = image.detach().to(torch::kCPU, torch::kFloat32).clone();
    r.from = from;
    start(std::move(r));
}

void ProjectModule::update(RunView& view, RunSource&) {
    const bool latent = view.config && view.config->has_latent_space();
    if (GLFWwindow* window = m_context ? m_context->glfw_window() : nullptr;
        latent && window && g_drop_target != this) {
        g_drop_target = this;
        glfwSetDropCallback(window, on_drop);
    }
    if (!m_worker) return;
    std::shared_ptr<const ProjectUpdate> u;
    if (!m_worker->updates().fetch_if_newer(m_seen, u) || u->request != m_last_request) return;
    ProjectModel& m = m_model;
    if (!u->error.empty()) {
        m.error = u->error;
        m.running = false;
        m.from = "could not project " + u->from;
        return;
    }
    const ProjectionProgress& p = u->progress;
    m_target.update(u->target, nullptr);
    m.target = image_of(m_target);
    m_image.update(p.image.clamp(-1, 1), nullptr);
    m.image = image_of(m_image);
    m.step = p.step;
    m.total = p.total;
    m.start_kept = p.start;
    m.loss = p.loss;
    m.pixel = p.pixel;
    m.feature = p.feature;
    m.rms_levels = p.rms_levels;
    m.seconds = u->seconds;
    m.weights_step = u->weights_step;
    m.features = u->features;
    m.losses.push_back(float(std::log10(std::max(1e-12, p.loss))));
    m_latent = p.latent;
    m.has_latent = true;
    m.running = !u->finished;
    m.complete = u->finished && p.done;
    char line[160];
    if (u->finished)
        std::snprintf(line, sizeof line, "%s: %s at step %d of %d, %.2f levels RMS", u->from.c_str(),
                      p.done ? "projected" : "stopped", p.step, p.total, p.rms_levels);
    else
        std::snprintf(line, sizeof line, "projecting %s: step %d of %d, %.2f levels RMS", u->from.c_str(), p.step,
                      p.total, p.rms_levels);
    m.from = line;
    // The explorer follows the latent as it converges, and ends on the one found.
    if (m_links.explore && (p.step != m_explored_step || u->finished)) {
        m_explored_step = p.step;
        m_links.explore(m_latent, u->finished
                                      ? "the projection of " + u->from
                                      : "the projection of " + u->from + " (step " + std::to_string(p.step) + ")");
    }
    if (u->finished) view.notify(line);
}

void ProjectModule::request(RunView&) {
    ProjectModel& m = m_model;
    if (m.start) {
        m.start = false;
        if (!m.path.empty()) project_file(m.path);
    }
    if (m.stop) {
        m.stop = false;
        if (m_worker) m_worker->stop();
    }
}

void ProjectModule::apply(RunView& view, RunSource&) {
    ProjectModel& m = m_model;
    if (!m_latent.defined()) {
        m.explore = m.use_a = m.use_b = m.save = false;
        return;
    }
    if (m.explore && m_links.explore) m_links.explore(m_latent, "the projection of " + m.path);
    if (m.use_a && m_links.interpolate) m_links.interpolate(0, m_latent);
    if (m.use_b && m_links.interpolate) m_links.interpolate(1, m_latent);
    if (m.use_a || m.use_b) m.message = std::string("the latent is the interpolation's ") + (m.use_a ? "A" : "B");
    m.explore = m.use_a = m.use_b = false;
    if (m.save) {
        m.save = false;
        try {
            save_projected_latent(m.save_path, m_latent);
            m.message = "saved " + std::filesystem::absolute(m.save_path).string();
            view.notify(m.message);
        } catch (const std::exception& e) {
            m.message = e.what();
        }
    }
}

void ProjectModule::shutdown() {
    if (g_drop_target == this) {
        if (GLFWwindow* window = m_context ? m_context->glfw_window() : nullptr) glfwSetDropCallback(window, nullptr);
        g_drop_target = nullptr;
    }
    m_worker.reset();
    m_target = TensorTexture();
    m_image = TensorTexture();
}

}  // namespace ganscope
