// Projection: a real image (a file given in the panel or File > Project image..., or dropped on the window) projected
// into the latent space of the run's generator by the ProjectWorker, off the GL thread, on the newest weights
// snapshot (the window's own training run, an opened checkpoint, a followed folder or a served run). The latent found
// so far goes to the explorer as it converges; when done it can be used as A or B of an interpolation, or saved.
#pragma once

#include <memory>
#include <string>

#include "viewer/features/module.h"
#include "viewer/features/project/project_model.h"
#include "viewer/features/project/project_panel.h"
#include "viewer/features/project/project_worker.h"
#include "viewer/widgets/tensor_texture.h"

struct GLFWwindow;

namespace ganscope {

class GlContext;

class ProjectModule : public Module {
public:
    explicit ProjectModule(const LatentLinks& links) : m_links(links) {}
    const char* title() const override { return "Projection"; }
    bool shown(const RunView& view) const override { return view.config && view.config->has_latent_space(); }
    bool busy() const override { return m_model.running; }
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model); }
    void request(RunView& view) override;
    void apply(RunView& view, RunSource& run) override;
    void shutdown() override;

    // The window whose dropped files are projected (set once the run is known to have a latent space).
    void attach(GlContext* context) { m_context = context; }
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    // Starts projecting an image file, or an image (3 x H x W in [-1, 1]) the window shows; `from` names it.
    void project_file(const std::string& path);
    void project_image(const torch::Tensor& image, const std::string& from);
    // File > Project image's dialog, drawn by the window every frame (`open`: opened this frame).
    void draw_dialog(bool open) { m_panel.draw_dialog(open, m_model); }
    const ProjectModel& model() const { return m_model; }
    ProjectModel& model() { return m_model; }
    // The latent found so far (L, CPU); undefined before the first update.
    const torch::Tensor& latent() const { return m_latent; }
    // What the panel shows: the target at the training size, and the generator's image of the latent (tests).
    const TensorTexture& target_texture() const { return m_target; }
    const TensorTexture& image_texture() const { return m_image; }

private:
    void start(ProjectRequest request);
    static void on_drop(GLFWwindow* window, int count, const char** paths);

    const LatentLinks& m_links;
    GlContext* m_context = nullptr;
    ProjectModel m_model;
    std::shared_ptr<const WeightsSnapshot> m_weights;  // kept for a worker made later
    std::unique_ptr<ProjectWorker> m_worker;           // made at the first projection
    uint64_t m_seen = 0, m_last_request = 0;
    int m_explored_step = -1;  // the last step whose latent went to the explorer
    torch::Tensor m_latent;
    TensorTexture m_target, m_image;
    ProjectPanel m_panel;
};

}  // namespace ganscope
