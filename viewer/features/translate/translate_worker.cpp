// TranslateWorker (see translate_worker.h): the inference thread for the Translate panel.
#include "viewer/features/translate/translate_worker.h"

#include <chrono>

#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"

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

void TranslateWorker::use_remote(std::function<Image(const Image&)> translate, TrainConfig config, std::string description) {
    m_loop.post([&](Pending& p) {
        p.remote = Remote{std::move(translate), std::move(config), std::move(description)};
        p.weights.reset();
    });
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
    if (fresh || taken.remote) {
        TranslatorInfo info;
        info.generation = ++m_generation;
        if (fresh) {
            translator = fresh;
            m_remote.reset();
            info.description = fresh->description();
            if (step >= 0) info.description += ", step " + std::to_string(step);
            info.image_size = fresh->image_size();
            info.input_needs_colour = fresh->input_needs_colour();
            info.output_ascii = fresh->output_kind() == PairKind::Ascii;
            info.weights_step = step;
        } else {
            translator.reset();
            m_remote = std::move(taken.remote);
            const TrainConfig& c = m_remote->config;
            info.description = m_remote->description;
            info.image_size = c.image_size;
            info.input_needs_colour = translation_input_needs_colour(c);
            info.output_ascii = translation_output_kind(c) == PairKind::Ascii;
        }
        {
            std::lock_guard<std::mutex> lock(m_translator_mutex);
            m_translator = translator;
        }
        m_info.publish(std::move(info));
        if (!input && m_have_input) input = m_last_input;
    }
    if (!taken.load.empty()) {
        if (!translator && !m_remote) throw std::runtime_error(taken.load + ": no model loaded yet to convert it for");
        const Image photo = load_image(taken.load);
        m_loaded.publish(LoadedImage{taken.load, m_remote ? to_translation_input(m_remote->config, photo)
                                                          : translator->to_input_domain(photo)});
    }
    if (!input) return;
    m_last_input = *input;  // without a model yet: translated once one arrives
    m_have_input = true;
    if (!translator && !m_remote) return;
    auto t0 = std::chrono::steady_clock::now();
    TranslateResult r;
    r.tag = input->second;
    r.generation = m_generation;
    r.input = std::move(input->first);
    r.output = m_remote ? m_remote->translate(r.input) : translator->translate(r.input);
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m_result.publish(std::move(r));
}

}  // namespace ganscope
