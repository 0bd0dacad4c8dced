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
#include <implot.h>

#include "render/cuda_interop.h"
#include "render/gl_check.h"
#include "render/texture.h"
#include "viewer/sources/remote_source.h"
#include "viewer/sources/run_files.h"
#include "viewer/widgets/ui_style.h"

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
    // Single images through the display shader, except on a software rasteriser (see SingleImagePath).
    const char* shader = std::getenv("GANSCOPE_DISPLAY_SHADER");
    const bool force_shader = shader && std::string(shader) != "0";
    set_single_image_path(is_software_renderer(m_context->info().renderer) && !force_shader
                              ? SingleImagePath::CpuConversion
                              : SingleImagePath::Shader);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImPlot::CreateContext();
    // The wheel scrolls the panel as everywhere else; ctrl+wheel zooms a plot (as it zooms the Samples grid).
    ImPlot::GetInputMap().ZoomMod = ImGuiMod_Ctrl;
    // ImPlot ignores every input while its OverrideMod alone is held (Ctrl by default: a plot held with it becomes a
    // drag-and-drop source), which swallowed the ctrl+wheel zoom. The window drags no plots: no override.
    ImPlot::GetInputMap().OverrideMod = ImGuiMod_None;
    ImGuiIO& io = ImGui::GetIO();
    m_ini_path = m_options.ini_path;
    io.IniFilename = m_ini_path.empty() ? nullptr : m_ini_path.c_str();
    io.ConfigFlags |= ImGuiConfigFlags_DockingEnable;
    register_settings();
    if (GLFWwindow* window = m_context->glfw_window()) {
        // Panels torn out of the window get their own OS windows where the platform can make them (X11, not
        // Wayland: GLFW's backend says so in BackendFlags).
        io.ConfigFlags |= ImGuiConfigFlags_ViewportsEnable;
        m_imgui_glfw = ImGui_ImplGlfw_InitForOpenGL(window, true);
        if (!(io.BackendFlags & ImGuiBackendFlags_PlatformHasViewports)) io.ConfigFlags &= ~ImGuiConfigFlags_ViewportsEnable;
    } else {
        io.DisplaySize = ImVec2(float(m_options.width), float(m_options.height));
    }
    m_imgui_gl = ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!m_imgui_gl) throw RenderError("the ImGui OpenGL 3 renderer could not start on " + m_context->info().version);
    apply_ui_style(m_context->content_scale());

    const GlInfo& gl = m_context->info();
    PerformanceModel& perf = m_performance.model();
    perf.gl = "GL " + std::to_string(gl.major) + "." + std::to_string(gl.minor) + " on " + gl.renderer +
                             " (" + gl.platform + ")";
    perf.present = gl.present;
    switch (m_options.mode) {
        case AppOptions::Mode::Train:
            m_view.source = m_options.trainer.run_dir;
            m_run = make_local_run(m_options.trainer);
            break;
        case AppOptions::Mode::Open:
            // Read on the source's thread; the window draws "opening ..." meanwhile.
            m_view.source = m_options.checkpoint;
            m_run = make_checkpoint_source(m_options.checkpoint);
            break;
        case AppOptions::Mode::Watch:
            m_view.source = m_options.watch_dir;
            m_run = m_options.watch_dir.rfind("http://", 0) == 0
                        ? make_remote_source(m_options.watch_dir, m_options.watch_token, m_options.watch_poll_seconds)
                        : make_folder_source(m_options.watch_dir, m_options.watch_poll_seconds);
            break;
    }
    m_view.run = m_run->capabilities();
    m_view.run_kind = m_run->kind();
    m_history.set_run_dir(m_run->run_dir());
    m_translate.attach(m_context.get(), m_options.mode == AppOptions::Mode::Open ? m_options.checkpoint : "");
    m_project.attach(m_context.get());
    m_links.explore = [this](const torch::Tensor& z, const std::string& from) { m_explorer.explore(z, from); };
    m_links.interpolate = [this](int end, const torch::Tensor& z) { m_interpolation.set_end(end, z); };
    m_links.nearest = [this](const torch::Tensor& image, const std::string& from) {
        m_nearest.query(image, from);
        m_focus_after_layout.emplace_back(m_nearest.title());  // the answer's panel in front of its tab group
        m_focus_frames = 30;
    };
    m_samples.show_verdicts_of(&m_inspect.model());
    m_modules = {&m_training, &m_samples,   &m_curves,      &m_explorer, &m_interpolation, &m_dataset, &m_history,
                 &m_record,   &m_translate, &m_performance, &m_inspect,  &m_nearest,       &m_project, &m_compare};
    // The runs compared with this one. A path that is not a run is a one-line message; the others open.
    m_compare.set_state_path(compare_state_path(m_options.ini_path));
    CompareRun& own = m_compare.model().runs[0];
    own.label = m_options.compare_own.label;
    if (m_options.compare_own.color) own.color = m_options.compare_own.color;
    own.visible = m_options.compare_own.visible;
    for (const SavedCompareRun& r : m_options.compare) {
        const std::string problem = m_compare.add(r.what, r.token, r.label, r.color, r.visible);
        if (!problem.empty()) std::cerr << "ganscope: " << problem << std::endl;
    }
    if (m_options.compare_tab >= 0) m_compare.model().tab = m_options.compare_tab;
    if (m_options.compare_at_step >= 0) {
        m_compare.model().pinned = true;
        m_compare.model().pin_step = m_options.compare_at_step;
    }
}

App::~App() {
    m_context->make_current();
    m_record.shutdown();  // finishes the videos while the source's slots and the GL context still exist
    if (m_options.stop_trainer_on_exit) m_run->close();  // a local run saves its final checkpoint
    m_run.reset();
    m_latent.shutdown();
    m_context->make_current();
    // Workers and textures go before the context; the ImGui backends before ImGui.
    for (Module* m : m_modules) m->shutdown();
    if (m_imgui_gl) ImGui_ImplOpenGL3_Shutdown();
    if (m_imgui_glfw) ImGui_ImplGlfw_Shutdown();
    ImPlot::DestroyContext();
    ImGui::DestroyContext();
}

void App::frame() {
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    double t = std::chrono::duration<double>(now).count();
    if (m_last_frame_time > 0) m_stats.add((t - m_last_frame_time) * 1000.0);
    m_last_frame_time = t;

    ++m_view.frame;
    m_context->poll_events();
    if (m_options.interrupted && m_options.interrupted->load()) m_context->request_close();
    update_sources();
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
    m_view.time = ImGui::GetTime();
    m_view.delta_time = io.DeltaTime;
    {
        PerformanceModel& perf = m_performance.model();
        perf.frame_ms = m_stats.recent();  // the panel reads it four times a second
        perf.drawn_fraction = m_stats.drawn_fraction();
        FrameSize fb = m_context->framebuffer_size();
        char buf[64];
        std::snprintf(buf, sizeof buf, "%dx%d px, scale %.2g", fb.width, fb.height, m_context->content_scale());
        perf.render_size = buf;
    }
    handle_shortcuts();
    draw_ui();
    ImGui::Render();
    for (Module* m : m_modules) m->request(m_view);

    // Only what changed is drawn again (damage.h): most frames while training change a status line or two, and
    // on a software rasteriser every pixel drawn is CPU time taken from training.
    const bool fresh = m_context->begin_frame();
    ImDrawData* draw_data = ImGui::GetDrawData();
    DamageTracker::upload_textures(*draw_data);
    const auto damage = m_damage.damage(
        *draw_data, [](ImTextureID id) { return texture_version(unsigned(id)); },
        fresh || !m_options.damage_tracking);
    static const float kBackdrop[4] = {0.06f, 0.065f, 0.07f, 1.0f};
    DamageTracker::render(*draw_data, damage, kBackdrop);
    {
        FrameSize fb = m_context->framebuffer_size();
        int64_t drawn = 0;
        for (const PixelRect& r : damage) drawn += r.area();
        m_stats.add_drawn(fb.width > 0 && fb.height > 0 ? double(drawn) / (double(fb.width) * fb.height) : 0.0);
    }
    if (m_view.screenshot) {
        m_view.screenshot = false;
        char stamp[32];
        std::time_t tt = std::time(nullptr);
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&tt));
        try {
            m_view.notify("screenshot " + save_screenshot(screenshot_folder() + "/ganscope-" + stamp + ".png"), 8);
        } catch (const std::exception& e) {
            m_view.notify(e.what(), 8);
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
    if (io.ConfigFlags & ImGuiConfigFlags_ViewportsEnable) {
        // Panels in their own OS windows: drawn whole (they are small), then the main context is current again.
        ImGui::UpdatePlatformWindows();
        ImGui::RenderPlatformWindowsDefault();
        m_context->make_current();
    }
    m_stats.add_busy(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count() - t * 1000.0);
    for (Module* m : m_modules) m->apply(m_view, *m_run);
}

std::string App::screenshot_folder() const {
    if (!m_options.screenshot_dir.empty()) return m_options.screenshot_dir;
    return output_folder(m_run->run_dir()) + "/screenshots";
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
        // --open of a file it cannot read, or a run that failed: one line and no screenshot of the failure.
        auto failed = [&] { return m_view.status && m_view.status->state == TrainerState::Failed; };
        // Compared runs: each has shown its grid too (or cannot: stopped, gone, failed).
        // With the Latent tab in front, its images of the explorer's latent too.
        const auto latents_wanted = [&] { return m_options.compare_tab == 3 && !m_compare.latents_ready(); };
        while ((m_samples.grid().step < 0 || !m_compare.grids_ready() || latents_wanted()) &&
               waited() < m_options.wait_seconds && !failed()) {
            if (!m_view.run.live && m_view.status && !m_view.status->error.empty()) break;
            paced_frame();
        }
        if (failed()) {
            std::cerr << "ganscope: " << (m_view.run.commands ? "training failed: " : "") << m_view.status->error
                      << std::endl;
            return 1;
        }
        if (m_samples.grid().step < 0) std::cerr << "ganscope: no samples after " << int(waited()) << " s; drawing anyway" << std::endl;
        for (int i = 0; i < std::max(1, m_options.frames) && !m_context->should_close(); ++i) paced_frame();
        if (!m_options.screenshot.empty()) {
            save_screenshot(m_options.screenshot);
            std::cout << "ganscope: screenshot " << m_options.screenshot << std::endl;
            // Where each compared grid is in it, so a test can read its pixels back.
            for (const CompareRun& r : m_compare.model().runs)
                if (m_compare.shown(m_view) && r.visible && r.grid_w > 0)
                    std::cout << "ganscope: compare grid " << r.label << " step " << r.shown_step << " at "
                              << int(r.grid_x) << " " << int(r.grid_y) << " " << int(r.grid_w) << " " << int(r.grid_h)
                              << std::endl;
            // And each run's image of the latent, or the line it shows instead.
            for (const CompareRun& r : m_compare.model().runs) {
                if (!m_compare.shown(m_view) || !r.visible || !m_compare.model().latent_tab_open) continue;
                if (!r.latent_note.empty())
                    std::cout << "ganscope: compare latent " << r.label << " note " << r.latent_note << std::endl;
                else if (r.latent_w > 0)
                    std::cout << "ganscope: compare latent " << r.label << " step " << r.latent_step << " at "
                              << int(r.latent_x) << " " << int(r.latent_y) << " " << int(r.latent_w) << " "
                              << int(r.latent_h) << std::endl;
            }
        }
    }
    std::cout << "ganscope: " << m_stats.report() << std::endl;
    if (m_view.status && m_view.status->state == TrainerState::Failed) {
        std::cerr << "ganscope: " << (m_view.run.commands ? "training failed: " : "") << m_view.status->error
                  << std::endl;
        return 1;
    }
    return 0;
}

}  // namespace ganscope
