// TranslateWorker (see translate_worker.h): the inference thread for the Translate panel.
#include "viewer/workers/translate_worker.h"

#include <chrono>

#include "ml/module_io.h"
#include "ml/pix2pix.h"

namespace ganscope {

TranslateWorker::TranslateWorker(torch::Device device)
    : m_device(device),
      m_loop([this](Pending& taken) { work(taken); }, std::nullopt,
             []() -> std::shared_ptr<void> { return std::make_shared<torch::NoGradGuard>(); }) {}

TranslateWorker::~TranslateWorker() = default;  // the loop (last member) joins first

void TranslateWorker::set_weights(std::shared_ptr<const WeightsSnapshot> weights) {
    if (!weights) return;
    m_loop.post([&](Pending& p) { p.weights = std::move(weights); });
}

void TranslateWorker::open(const std::string& path) {
    m_loop.post([&](Pending& p) {
        p.open = path;
        p.weights.reset();
    });
}

void TranslateWorker::request(Image input, uint64_t tag) {
    m_loop.post([&](Pending& p) { p.input.emplace(std::move(input), tag); });
}

void TranslateWorker::load(const std::string& path) {
    m_loop.post([&](Pending& p) { p.load = path; });
}

std::string TranslateWorker::error() const { return m_loop.error(); }

std::shared_ptr<const Translator> TranslateWorker::translator() const {
    std::lock_guard<std::mutex> lock(m_translator_mutex);
    return m_translator;
}

void TranslateWorker::work(Pending& taken) {
    std::shared_ptr<const Translator> translator = this->translator();
    std::optional<std::pair<Image, uint64_t>>& input = taken.input;
    // A new translator first, so the pending input (or the last one) is translated by it.
    std::shared_ptr<const Translator> fresh;
    int64_t step = -1;
    if (!taken.open.empty()) {
        fresh = Translator::open(taken.open, m_device);
    } else if (const auto& weights = taken.weights) {
        if (!weights->config.image_to_image())
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
            std::lock_guard<std::mutex> lock(m_translator_mutex);
            m_translator = fresh;
        }
        m_info.publish(std::move(info));
        if (!input && m_have_input) input = m_last_input;
    }
    if (!taken.load.empty()) {
        if (!translator) throw std::runtime_error(taken.load + ": no model loaded yet to convert it for");
        m_loaded.publish(LoadedImage{taken.load, translator->to_input_domain(load_image(taken.load))});
    }
    if (!input) return;
    m_last_input = *input;  // without a model yet: translated once one arrives
    m_have_input = true;
    if (!translator) return;
    auto t0 = std::chrono::steady_clock::now();
    TranslateResult r;
    r.tag = input->second;
    r.generation = m_generation;
    r.input = std::move(input->first);
    r.output = translator->translate(r.input);
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m_result.publish(std::move(r));
}

}  // namespace ganscope
