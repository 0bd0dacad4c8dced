// The Translate module (see translate_module.h): the worker's translator, results and loaded images into the model
// and textures; canvas edits into (latest-wins) requests; load/open/save intents; drag-and-drop. GL thread.
#include <algorithm>
#include <filesystem>
#include <fstream>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "ml/data/pairs.h"
#include "ml/data/tensor_image.h"
#include "viewer/features/translate/translate_module.h"

namespace ganscope {
namespace {

TranslateModule* g_drop_target = nullptr;  // GLFW's drop callback has no user data we may use (the context owns it)

void on_drop(GLFWwindow*, int count, const char** paths) {
    if (!g_drop_target || count < 1) return;
    TranslateModel& t = g_drop_target->model();
    t.load_path = paths[0];
    t.load = true;
}

}  // namespace

void TranslateModule::shutdown() {
    if (g_drop_target == this) {
        if (GLFWwindow* window = m_context ? m_context->glfw_window() : nullptr) glfwSetDropCallback(window, nullptr);
        g_drop_target = nullptr;
    }
    m_worker.reset();
    m_canvas_texture = TensorTexture();
    m_output_texture = TensorTexture();
}

void TranslateModule::on_run_known(RunView& view, const TrainerStatus& status) {
    if (view.run.live || !status.config.image_to_image() || m_checkpoint.empty()) return;
    // An opened pix2pix checkpoint has no latent space to explore: the source read it once, on its own thread,
    // and its generator's weights come to the worker like a live run's (set_weights); the file is not read again.
    m_model.checkpoint_path = m_checkpoint;
    // The source may publish the generator before this status: then the worker's model is here already.
    m_model.message = m_seen_info ? "opened " + m_model.description : "opening " + m_checkpoint + "...";
}

void TranslateModule::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!m_worker) {
        const torch::Device device = render_device(*weights);
        m_worker = std::make_unique<TranslateWorker>(device);
    }
    m_worker->set_weights(std::move(weights));
}

void TranslateModule::update(RunView& view, RunSource& run) {
    TranslateModel& t = m_model;
    t.active = m_worker || (view.config && view.config->image_to_image());
    if (!t.active) return;
    if (!m_worker && view.config && view.config->image_to_image()) {
        // A served run with the token: the canvas goes to the server, and its model translates it.
        if (RunSource::RemoteTranslate remote = run.remote_translate()) {
            const TrainConfig& c = *view.config;
            m_worker = std::make_unique<TranslateWorker>();
            m_worker->use_remote(std::move(remote), c,
                                 "pix2pix " + c.pairs + " " + c.direction + ", translated by " + run.name());
            m_remote = true;
        }
    }
    if (m_remote && view.status && view.config) {
        // The server's generator moves on as it trains: the canvas is sent again after each of its snapshots.
        const int64_t snapshots = view.status->step / std::max(1, view.config->snapshot_every);
        if (snapshots != m_remote_snapshots) {
            m_remote_snapshots = snapshots;
            m_sent_canvas = ~0ull;
        }
    }
    if (GLFWwindow* window = m_context ? m_context->glfw_window() : nullptr; window && g_drop_target != this) {
        g_drop_target = this;
        glfwSetDropCallback(window, on_drop);
    }
    if (!m_worker) return;
    std::shared_ptr<const TranslatorInfo> info;
    if (m_worker->info().fetch_if_newer(m_seen_info, info)) {
        t.description = info->description;
        // The opened checkpoint's weights came through the source: say which file they are from.
        if (info->weights_step >= 0 && !view.run.live && !m_checkpoint.empty())
            t.description = m_checkpoint + ": " + t.description;
        t.needs_colour = info->input_needs_colour;
        t.output_ascii = info->output_ascii;
        if (t.canvas.size() != info->image_size) t.canvas.reset(info->image_size);
        // "opening FILE..." is answered once the model is there (a failure replaces it with the error below).
        if (t.message.rfind("opening ", 0) == 0) t.message = "opened " + info->description;
        m_sent_canvas = ~0ull;  // the new translator re-translates what is on the canvas
    }
    std::shared_ptr<const LoadedImage> loaded;
    if (m_worker->loaded().fetch_if_newer(m_seen_loaded, loaded)) {
        t.canvas.set_image(loaded->image);
        t.message = "loaded " + loaded->path + " into the input domain";
    }
    std::shared_ptr<const TranslateResult> result;
    if (m_worker->result().fetch_if_newer(m_seen_result, result)) {
        m_output = result->output;
        m_output_texture.update(image_to_tensor(result->output));
        t.output_image = image_of(m_output_texture);
        t.inference_ms = result->ms;
        t.pending = result->tag != t.canvas.revision();
    }
    std::string error = m_worker->error();
    if (!error.empty()) t.message = error;
}

void TranslateModule::request(RunView&) {
    TranslateModel& t = m_model;
    if (!t.active) return;
    if (t.open_checkpoint) {
        t.open_checkpoint = false;
        if (!m_worker) m_worker = std::make_unique<TranslateWorker>(
            torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU));
        m_worker->open(t.checkpoint_path);
        t.message = "opening " + t.checkpoint_path + "...";
    }
    if (t.load) {
        t.load = false;
        if (m_worker) {
            m_worker->load(t.load_path);
            t.message = "loading " + t.load_path + "...";
        } else {
            t.message = "no model yet to convert " + t.load_path + " for";
        }
    }
    if (t.save) {
        t.save = false;
        try {
            if (m_output.empty()) throw std::runtime_error("nothing to save yet: draw something first");
            write_png(t.save_path, m_output);
            t.message = "saved " + t.save_path;
            if (t.output_ascii) {
                // The output is ASCII art: its text too, beside the PNG.
                std::string txt = std::filesystem::path(t.save_path).replace_extension(".txt").string();
                std::ofstream out(txt);
                out << ascii_art(m_output).text();
                if (!out) throw std::runtime_error(txt + ": could not write the text; check the folder");
                t.message += " and " + txt;
            }
        } catch (const std::exception& e) {
            t.message = e.what();
        }
    }
    if (t.canvas.size() > 0 && t.canvas.revision() != m_uploaded_canvas) {
        m_uploaded_canvas = t.canvas.revision();
        m_canvas_texture.update(image_to_tensor(t.canvas.image()));
        t.canvas_image = image_of(m_canvas_texture);
    }
    if (m_worker && t.canvas.size() > 0 && t.canvas.revision() != m_sent_canvas) {
        // Latest wins in the worker: while it translates, newer canvases replace each other.
        m_sent_canvas = t.canvas.revision();
        m_worker->request(t.canvas.image(), m_sent_canvas);
        t.pending = true;
    }
}

}  // namespace ganscope
