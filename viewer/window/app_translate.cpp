// The App's side of the Translate panel: the worker's translator, results and loaded images into the model and
// textures; canvas edits into (latest-wins) requests; load/open/save intents; drag-and-drop. Main (GL) thread.
#include <filesystem>
#include <fstream>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "ml/pairs.h"
#include "ml/tensor_image.h"
#include "viewer/window/app.h"

namespace ganscope {
namespace {

App* g_drop_target = nullptr;  // GLFW's drop callback has no user data we may use (the context owns it)

void on_drop(GLFWwindow*, int count, const char** paths) {
    if (!g_drop_target || count < 1) return;
    TranslateModel& t = g_drop_target->model().translate;
    t.load_path = paths[0];
    t.load = true;
}

}  // namespace

void App::translate_shutdown() {
    if (g_drop_target == this) {
        if (GLFWwindow* window = m_context->glfw_window()) glfwSetDropCallback(window, nullptr);
        g_drop_target = nullptr;
    }
    m_translate_worker.reset();
    m_translate_canvas_texture = TensorTexture();
    m_translate_output_texture = TensorTexture();
}

void App::translate_sources() {
    AppModel& m = m_model;
    TranslateModel& t = m.translate;
    t.active = m_translate_worker || (m.config && m.config->image_to_image());
    if (!t.active) return;
    if (GLFWwindow* window = m_context->glfw_window(); window && g_drop_target != this) {
        g_drop_target = this;
        glfwSetDropCallback(window, on_drop);
    }
    if (!m_translate_worker) return;
    std::shared_ptr<const TranslatorInfo> info;
    if (m_translate_worker->info().fetch_if_newer(m_seen_translate_info, info)) {
        t.description = info->description;
        t.needs_colour = info->input_needs_colour;
        t.output_ascii = info->output_ascii;
        if (t.canvas.size() != info->image_size) t.canvas.reset(info->image_size);
        // "opening FILE..." is answered once the model is there (a failure replaces it with the error below).
        if (t.message.rfind("opening ", 0) == 0) t.message = "opened " + info->description;
        m_sent_canvas = ~0ull;  // the new translator re-translates what is on the canvas
    }
    std::shared_ptr<const LoadedImage> loaded;
    if (m_translate_worker->loaded().fetch_if_newer(m_seen_translate_loaded, loaded)) {
        t.canvas.set_image(loaded->image);
        t.message = "loaded " + loaded->path + " into the input domain";
    }
    std::shared_ptr<const TranslateResult> result;
    if (m_translate_worker->result().fetch_if_newer(m_seen_translate_result, result)) {
        m_translate_output = result->output;
        m_translate_output_texture.update(image_to_tensor(result->output));
        t.output_image = {m_translate_output_texture.imgui_id(), m_translate_output_texture.width(),
                          m_translate_output_texture.height()};
        t.inference_ms = result->ms;
        t.pending = result->tag != t.canvas.revision();
    }
    std::string error = m_translate_worker->error();
    if (!error.empty()) t.message = error;
}

void App::translate_requests() {
    TranslateModel& t = m_model.translate;
    if (!t.active) return;
    if (t.open_checkpoint) {
        t.open_checkpoint = false;
        if (!m_translate_worker) m_translate_worker = std::make_unique<TranslateWorker>(
            torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU));
        m_translate_worker->open(t.checkpoint_path);
        t.message = "opening " + t.checkpoint_path + "...";
    }
    if (t.load) {
        t.load = false;
        if (m_translate_worker) {
            m_translate_worker->load(t.load_path);
            t.message = "loading " + t.load_path + "...";
        } else {
            t.message = "no model yet to convert " + t.load_path + " for";
        }
    }
    if (t.save) {
        t.save = false;
        try {
            if (m_translate_output.empty()) throw std::runtime_error("nothing to save yet: draw something first");
            write_png(t.save_path, m_translate_output);
            t.message = "saved " + t.save_path;
            if (t.output_ascii) {
                // The output is ASCII art: its text too, beside the PNG.
                std::string txt = std::filesystem::path(t.save_path).replace_extension(".txt").string();
                std::ofstream out(txt);
                out << ascii_art(m_translate_output).text();
                if (!out) throw std::runtime_error(txt + ": could not write the text; check the folder");
                t.message += " and " + txt;
            }
        } catch (const std::exception& e) {
            t.message = e.what();
        }
    }
    if (t.canvas.size() > 0 && t.canvas.revision() != m_uploaded_canvas) {
        m_uploaded_canvas = t.canvas.revision();
        m_translate_canvas_texture.update(image_to_tensor(t.canvas.image()));
        t.canvas_image = {m_translate_canvas_texture.imgui_id(), m_translate_canvas_texture.width(),
                          m_translate_canvas_texture.height()};
    }
    if (m_translate_worker && t.canvas.size() > 0 && t.canvas.revision() != m_sent_canvas) {
        // Latest wins in the worker: while it translates, newer canvases replace each other.
        m_sent_canvas = t.canvas.revision();
        m_translate_worker->request(t.canvas.image(), m_sent_canvas);
        t.pending = true;
    }
}

}  // namespace ganscope
