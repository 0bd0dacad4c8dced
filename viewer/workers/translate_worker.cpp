// TranslateWorker (see translate_worker.h): the inference thread for the Translate panel.
#include "viewer/workers/translate_worker.h"

#include <chrono>

#include "ml/module_io.h"
#include "ml/pix2pix.h"

namespace ganscope {

TranslateWorker::TranslateWorker(torch::Device device) : m_device(device) {
    m_thread = std::thread([this] { thread_main(); });
}

TranslateWorker::~TranslateWorker() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void TranslateWorker::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!weights) return;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending_weights = std::move(weights);
    }
    m_cv.notify_all();
}

void TranslateWorker::open(const std::string& path) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending_open = path;
        m_pending_weights.reset();
    }
    m_cv.notify_all();
}

void TranslateWorker::request(Image input, uint64_t tag) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending_input.emplace(std::move(input), tag);
    }
    m_cv.notify_all();
}

void TranslateWorker::load(const std::string& path) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending_load = path;
    }
    m_cv.notify_all();
}

std::string TranslateWorker::error() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_error;
}

std::shared_ptr<const Translator> TranslateWorker::translator() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_translator;
}

void TranslateWorker::thread_main() {
    torch::NoGradGuard no_grad;
    while (true) {
        std::shared_ptr<const WeightsSnapshot> weights;
        std::string open_path, load_path;
        std::optional<std::pair<Image, uint64_t>> input;
        std::shared_ptr<const Translator> translator;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait(lock, [&] {
                return m_quit || m_pending_weights || !m_pending_open.empty() || !m_pending_load.empty() ||
                       m_pending_input;
            });
            if (m_quit) return;
            std::swap(weights, m_pending_weights);
            std::swap(open_path, m_pending_open);
            std::swap(load_path, m_pending_load);
            std::swap(input, m_pending_input);
            translator = m_translator;
        }
        std::string error;
        try {
            // A new translator first, so the pending input (or the last one) is translated by it.
            std::shared_ptr<const Translator> fresh;
            int64_t step = -1;
            if (!open_path.empty()) {
                fresh = Translator::open(open_path, m_device);
            } else if (weights) {
                if (weights->config.model != "pix2pix")
                    throw std::runtime_error("the Translate panel needs a pix2pix generator, not " + weights->config.model);
                UnetGenerator g(unet_options_for(weights->config));
                assign_named_tensors(*g, weights->tensors, "weights snapshot of step " + std::to_string(weights->step));
                fresh = std::make_shared<Translator>(g, weights->config, m_device);
                step = weights->step;
            }
            if (fresh) {
                translator = fresh;
                TranslatorInfo info;
                info.generation = ++m_generation;
                info.description = fresh->description();
                if (step >= 0) info.description += ", step " + std::to_string(step);
                info.image_size = fresh->image_size();
                info.input_needs_colour = fresh->input_needs_colour();
                info.output_ascii = fresh->output_kind() == PairKind::Ascii;
                info.weights_step = step;
                {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_translator = fresh;
                }
                m_info.publish(std::move(info));
                if (!input && m_have_input) input = m_last_input;
            }
            if (!load_path.empty()) {
                if (!translator) throw std::runtime_error(load_path + ": no model loaded yet to convert it for");
                m_loaded.publish(LoadedImage{load_path, translator->to_input_domain(load_image(load_path))});
            }
            if (input && translator) {
                m_last_input = *input;
                m_have_input = true;
                auto t0 = std::chrono::steady_clock::now();
                TranslateResult r;
                r.tag = input->second;
                r.generation = m_generation;
                r.input = std::move(input->first);
                r.output = translator->translate(r.input);
                r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                m_result.publish(std::move(r));
            } else if (input) {
                m_last_input = *input;  // translated once a model arrives
                m_have_input = true;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_error = error;
    }
}

}  // namespace ganscope
