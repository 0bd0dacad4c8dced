// App lifecycle and the frame loop (see app.h). Main (GL) thread only.
#include "viewer/window/app.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include "ml/checkpoint.h"
#include "ml/dcgan.h"
#include "ml/safe_text.h"
#include "ml/task_factory.h"
#include "render/cuda_interop.h"
#include "render/gl_check.h"
#include "render/texture.h"
#include "viewer/window/ui_style.h"

namespace ganscope {

std::string default_ini_path() {
    namespace fs = std::filesystem;
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    fs::path dir;
    if (xdg && *xdg) dir = fs::path(xdg) / "ganscope";
    else if (home && *home) dir = fs::path(home) / ".config" / "ganscope";
    else return "";
    std::error_code ec;
    fs::create_directories(dir, ec);
    return ec ? "" : (dir / "imgui.ini").string();
}

App::App(AppOptions options) : m_options(std::move(options)) {
    if (const char* full = std::getenv("GANSCOPE_FULL_REDRAW"); full && std::string(full) != "0")
        m_options.damage_tracking = false;
    // Mesa's software rasteriser (llvmpipe) starts a thread per core. Beside a CPU training run on a small
    // machine those threads take cores from the trainer; one is enough for a window that redraws only what
    // changed (docs/benchmarks.md has the comparison). Other drivers ignore the variable; a user's value wins.
    if (!std::getenv("LP_NUM_THREADS") && std::thread::hardware_concurrency() <= 4) setenv("LP_NUM_THREADS", "1", 0);
    ContextOptions co;
    co.kind = m_options.headless ? ContextKind::Headless : ContextKind::Window;
    co.width = m_options.width;
    co.height = m_options.height;
    co.vsync = m_options.vsync;
    // Headless on a CUDA machine: the EGL device that is the training GPU, so interop stays on one device.
    if (m_options.headless && cuda_device_available()) {
        const std::string& d = m_options.trainer.config.device;
        co.cuda_device = d.rfind("cuda:", 0) == 0 ? std::atoi(d.c_str() + 5) : 0;
    }
    m_context = create_context(co);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    m_ini_path = m_options.ini_path;
    io.IniFilename = m_ini_path.empty() ? nullptr : m_ini_path.c_str();
    if (GLFWwindow* window = m_context->glfw_window()) {
        m_imgui_glfw = ImGui_ImplGlfw_InitForOpenGL(window, true);
    } else {
        io.DisplaySize = ImVec2(float(m_options.width), float(m_options.height));
    }
    m_imgui_gl = ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!m_imgui_gl) throw RenderError("the ImGui OpenGL 3 renderer could not start on " + m_context->info().version);
    apply_ui_style(m_context->content_scale());

    const GlInfo& gl = m_context->info();
    m_model.performance.gl = "GL " + std::to_string(gl.major) + "." + std::to_string(gl.minor) + " on " + gl.renderer +
                             " (" + gl.platform + ")";
    m_model.performance.present = gl.present;
    if (m_options.mode == AppOptions::Mode::Train) {
        m_model.training = true;
        m_model.source = m_options.trainer.run_dir;
        m_trainer = std::make_unique<Trainer>(m_options.trainer);
        m_record.set_run_dir(m_options.trainer.run_dir);
    } else {
        m_model.source = m_options.checkpoint;
        open_checkpoint();
    }
}

App::~App() {
    m_context->make_current();
    m_record.shutdown();  // finishes the videos while the trainer's slots and the GL context still exist
    if (m_trainer && m_options.stop_trainer_on_exit) {
        m_trainer->stop();
        m_trainer->wait();
    }
    m_trainer.reset();
    m_worker.reset();
    if (m_page_future.valid()) m_page_future.wait();
    m_context->make_current();
    // Textures go before the context; the ImGui backends before ImGui.
    m_grid_texture = TensorTexture();
    m_explorer_texture = TensorTexture();
    m_strip_texture = TensorTexture();
    m_walk_texture = TensorTexture();
    m_real_texture = TensorTexture();
    translate_shutdown();
    if (m_imgui_gl) ImGui_ImplOpenGL3_Shutdown();
    if (m_imgui_glfw) ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
}

void App::open_checkpoint() {
    // A checkpoint that cannot be read is reported in the window; nothing is written.
    try {
        CheckpointMeta meta = read_checkpoint_meta(m_options.checkpoint);
        TrainConfig config = meta.config;
        if (config.model == "pix2pix") {
            // No latent space to explore: the Translate panel opens it (on its worker thread). The sample grid
            // shows the run's fixed validation triples (input | output | target) as the checkpoint draws them.
            m_model.config = config;
            load_run_metrics();
            {
                torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
                config.device = device.str();
                auto task = make_task(config, device);
                load_checkpoint(m_options.checkpoint, *task);
                show_grid(task->render_samples(), nullptr, meta.step);
            }
            m_model.translate.checkpoint_path = m_options.checkpoint;
            m_model.translate.open_checkpoint = true;
            m_model.performance.device_mode = "translating";
            return;
        }
        if (config.model != "dcgan")
            throw std::runtime_error(m_options.checkpoint + " holds a " + config.model +
                                     " run; the explorer opens DCGAN checkpoints");
        torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
        config.device = device.str();
        auto task = make_task(config, device);
        load_checkpoint(m_options.checkpoint, *task);
        m_open_weights = std::make_shared<WeightsSnapshot>(task->snapshot_generator(meta.step));
        m_model.config = config;
        load_run_metrics();
        set_latent_dim(config.latent_dim, config.image_size);
        if (auto* dcgan = dynamic_cast<DcganTask*>(task.get())) {
            m_model.grid.latents = dcgan->fixed_latents().cpu();
            m_model.explorer.base = m_model.grid.latents[0].clone();
            if (m_model.grid.latents.size(0) >= 2) {
                m_model.interpolation.a = m_model.grid.latents[0].clone();
                m_model.interpolation.b = m_model.grid.latents[1].clone();
                ++m_model.interpolation.revision;
            }
        }
        show_grid(task->render_samples(), nullptr, meta.step);
        m_model.performance.device_mode = "exploring on " + device.str();
        m_worker = std::make_unique<LatentWorker>(device);
        m_worker->set_weights(m_open_weights);
        m_record.set_weights(m_open_weights);
        m_record.set_run_dir(std::filesystem::path(m_options.checkpoint).parent_path().string());
        m_model.notify("opened " + m_options.checkpoint + " (step " + std::to_string(meta.step) + ")");
    } catch (const std::exception& e) {
        m_open_error = one_line(e.what());
        m_model.source = m_options.checkpoint + " - could not open it: " + m_open_error;
        m_model.notify(std::string("could not open checkpoint: ") + e.what(), 1e9);
    }
}

void App::load_run_metrics() {
    // The run's metrics.jsonl beside the checkpoint, when there is one: the curves of how it got here.
    namespace fs = std::filesystem;
    fs::path metrics = fs::path(m_options.checkpoint).parent_path() / "metrics.jsonl";
    std::ifstream in(metrics);
    if (!in) return;
    std::string line;
    size_t bad = 0;
    MetricsHistory history;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        try {
            history.push(StepMetrics::from_json(nlohmann::json::parse(line)));
        } catch (const std::exception&) {
            ++bad;  // a torn last line from an interrupted run; the rest is still worth showing
        }
    }
    m_model.history = history.records();
    if (bad) m_model.notify(metrics.string() + ": skipped " + std::to_string(bad) + " unreadable lines");
}

void App::set_latent_dim(int latent_dim, int image_size) {
    if (m_model.latent_dim == latent_dim && m_model.image_size == image_size) return;
    m_model.latent_dim = latent_dim;
    m_model.image_size = image_size;
    auto& e = m_model.explorer;
    const int random = std::min(6, latent_dim);
    e.random_directions = random_orthonormal_directions(random, latent_dim, 7);
    e.random_offsets.assign(size_t(random), 0.0f);
    e.pca_directions = torch::Tensor();
    e.pca_offsets.clear();
    e.pad_axes[0] = 0;
    e.pad_axes[1] = std::min(1, random - 1);
    e.base = truncated_normal(1, latent_dim, 0.0, 1)[0];
    ++e.revision;
    m_walk = std::make_unique<LatentWalk>(latent_dim, 99);
}

void App::show_grid(const torch::Tensor& images, const c10::Event* ready, int64_t step) {
    GridModel& g = m_model.grid;
    g.count = int(images.size(0));
    g.columns = int(std::ceil(std::sqrt(double(g.count))));
    if (m_model.config && m_model.config->model == "pix2pix") g.columns = 3 * std::max(1, int(std::lround(std::sqrt(g.count / 3.0))));
    g.cell = int(images.size(3));
    if (ready && images.is_cuda()) ready->block(c10::Stream(c10::Stream::DEFAULT, images.device()));
    m_grid_texture.update(grid_image(images, g.columns, g.padding), nullptr);
    g.image = {m_grid_texture.imgui_id(), m_grid_texture.width(), m_grid_texture.height()};
    g.step = step;
    m_model.performance.grid_upload_ms = m_grid_texture.last_upload_ms();
    m_model.performance.interop = m_grid_texture.used_interop();
    if (!m_grid_texture.interop_note().empty()) m_model.performance.interop_note = m_grid_texture.interop_note();
}

void App::frame() {
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    double t = std::chrono::duration<double>(now).count();
    if (m_last_frame_time > 0) m_stats.add((t - m_last_frame_time) * 1000.0);
    m_last_frame_time = t;

    ++m_frame_index;
    m_context->poll_events();
    if (m_options.interrupted && m_options.interrupted->load()) m_context->request_close();
    update_sources();
    m_record.update(m_model, m_trainer.get());
    ImGuiIO& io = ImGui::GetIO();
    ImGui_ImplOpenGL3_NewFrame();
    if (m_imgui_glfw) {
        ImGui_ImplGlfw_NewFrame();
    } else {
        FrameSize size = m_context->framebuffer_size();
        io.DisplaySize = ImVec2(float(size.width), float(size.height));
        io.DeltaTime = m_stats.recent().empty() ? 1.0f / 60 : float(std::max(1e-4, m_stats.recent().back() / 1000.0));
    }
    ImGui::NewFrame();
    m_model.time = ImGui::GetTime();
    m_model.performance.frame_ms = m_stats.recent();  // the panel reads it four times a second
    m_model.performance.drawn_fraction = m_stats.drawn_fraction();
    {
        FrameSize fb = m_context->framebuffer_size();
        char buf[64];
        std::snprintf(buf, sizeof buf, "%dx%d px, scale %.2g", fb.width, fb.height, m_context->content_scale());
        m_model.render_size = buf;
    }
    handle_shortcuts();
    draw_ui();
    ImGui::Render();
    update_requests();

    // Only what changed is drawn again (damage.h): most frames while training change a status line or two, and
    // on a software rasteriser every pixel drawn is CPU time taken from training.
    const bool fresh = m_context->begin_frame();
    ImDrawData* draw_data = ImGui::GetDrawData();
    const auto damage = m_damage.damage(
        *draw_data, [](ImTextureID id) { return texture_version(unsigned(reinterpret_cast<intptr_t>(id))); },
        fresh || !m_options.damage_tracking);
    static const float kBackdrop[4] = {0.06f, 0.065f, 0.07f, 1.0f};
    DamageTracker::render(*draw_data, damage, kBackdrop);
    {
        FrameSize fb = m_context->framebuffer_size();
        int64_t drawn = 0;
        for (const PixelRect& r : damage) drawn += r.area();
        m_stats.add_drawn(fb.width > 0 && fb.height > 0 ? double(drawn) / (double(fb.width) * fb.height) : 0.0);
    }
    if (m_model.screenshot) {
        m_model.screenshot = false;
        char stamp[32];
        std::time_t tt = std::time(nullptr);
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&tt));
        try {
            m_model.notify("screenshot " + save_screenshot(m_options.screenshot_dir + "/ganscope-" + stamp + ".png"));
        } catch (const std::exception& e) {
            m_model.notify(e.what(), 8);
        }
    }
    {
        FrameSize size = m_context->framebuffer_size();
        m_record.capture(size.width, size.height, t);  // window recording: an async read-back when due
    }
    std::vector<FrameRegion> regions;
    regions.reserve(damage.size());
    for (const PixelRect& r : damage) regions.push_back({r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0});
    m_context->end_frame(regions);
    m_stats.add_busy(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count() - t * 1000.0);
    apply_intents();
    m_record.apply(m_model, m_trainer.get());
}

std::string App::save_screenshot(const std::string& path) {
    FrameSize size = m_context->framebuffer_size();
    m_last_pixels = m_context->read_pixels();
    write_png_rgba(path, m_last_pixels.data(), size.width, size.height);
    return path;
}

int App::run() {
    if (!m_options.headless) {
        // At most 60 frames a second: vsync paces the frames that present, but a frame with nothing new
        // presents nothing (and Xvfb or a compositor may not pace at all).
        while (!m_context->should_close()) {
            auto t0 = std::chrono::steady_clock::now();
            frame();
            std::this_thread::sleep_until(t0 + std::chrono::microseconds(16667));
        }
    } else {
        // Headless: wait (drawing) for the first samples, so the screenshot shows a working UI, then draw
        // the requested frames at about 60 FPS so the trainer and worker progress as they would on screen.
        auto start = std::chrono::steady_clock::now();
        auto waited = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        auto paced_frame = [&] {
            auto t0 = std::chrono::steady_clock::now();
            frame();
            std::this_thread::sleep_until(t0 + std::chrono::microseconds(16667));
        };
        while (m_model.grid.step < 0 && waited() < m_options.wait_seconds) {
            if (m_model.status && (m_model.status->state == TrainerState::Failed)) break;
            if (!m_model.training && !m_worker) break;  // --open failed: show the message
            paced_frame();
        }
        if (m_model.grid.step < 0) std::cerr << "ganscope: no samples after " << int(waited()) << " s; drawing anyway" << std::endl;
        for (int i = 0; i < std::max(1, m_options.frames) && !m_context->should_close(); ++i) paced_frame();
        if (!m_options.screenshot.empty()) {
            save_screenshot(m_options.screenshot);
            std::cout << "ganscope: screenshot " << m_options.screenshot << std::endl;
        }
    }
    if (m_options.headless && !m_open_error.empty()) {
        std::cerr << "ganscope: cannot open " << m_options.checkpoint << ": " << m_open_error << std::endl;
        return 1;
    }
    std::cout << "ganscope: " << m_stats.report() << std::endl;
    if (m_model.status && m_model.status->state == TrainerState::Failed) {
        std::cerr << "ganscope: training failed: " << m_model.status->error << std::endl;
        return 1;
    }
    return 0;
}

}  // namespace ganscope
