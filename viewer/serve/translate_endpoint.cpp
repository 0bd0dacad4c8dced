// TranslateEndpoint (see translate_endpoint.h). Server threads.
#include "viewer/serve/translate_endpoint.h"

#include "ml/data/pairs.h"
#include "viewer/sources/png_bytes.h"

namespace ganscope {

TranslateAnswer TranslateEndpoint::answer(const WeightsSnapshot& weights, uint64_t generation, const std::string& body,
                                          bool text) {
    TranslateAnswer out;
    Image input;
    try {
        input = load_image_memory(reinterpret_cast<const unsigned char*>(body.data()), body.size(), "the request body",
                                  Rgb{}, 16'000'000);
    } catch (const std::exception& e) {
        out.status = 400;
        out.error = std::string("send a PNG or JPEG image: ") + e.what();
        return out;
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    try {
        if (m_generation != generation || !m_translator) {
            const torch::Device device =
                weights.tensors.empty() ? torch::Device(torch::kCPU) : weights.tensors[0].second.device();
            m_translator = Translator::from_snapshot(weights, device);
            m_generation = generation;
            m_step = weights.step;
            m_last_body.clear();
        }
        if (m_last_body != body || m_last_output.pixels.empty()) {
            m_last_output = m_translator->translate(input);
            m_last_body = body;
        }
        out.step = m_step;
        if (text) {
            out.body = ascii_art(m_last_output).text();
            out.type = "text/plain; charset=utf-8";
        } else {
            out.body = encode_png(m_last_output);
            out.type = "image/png";
        }
    } catch (const std::exception& e) {
        out.status = 500;
        out.error = std::string("the translation failed: ") + e.what();
    }
    return out;
}

}  // namespace ganscope
