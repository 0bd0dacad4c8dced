// The pix2pix model behind POST /api/translate: the newest generator snapshot made a Translator once per snapshot,
// one translation at a time beside training, and the last one kept, so the page's second request for the same
// drawing (its translation as ASCII-art text) costs no second generator pass. No HTTP here: run_server.cpp checks
// the request and sends the answer. Server threads (serialised by the endpoint's lock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "ml/data/image.h"
#include "ml/models/gan_task.h"
#include "ml/models/translator.h"

namespace ganscope {

struct TranslateAnswer {
    int status = 200;  // 400: not an image; 500: the translation failed (`error` says why)
    std::string error;
    std::string body, type;  // a PNG (image/png) or the ASCII-art text (text/plain)
    int64_t step = -1;       // the generator snapshot that translated
};

class TranslateEndpoint {
public:
    // `body`: a PNG or JPEG; `generation`: the weights slot's, so a new snapshot makes a new Translator; `text`: the
    // translation read back as ASCII art (the caller checks the run's outputs are ASCII art).
    TranslateAnswer answer(const WeightsSnapshot& weights, uint64_t generation, const std::string& body, bool text);

private:
    std::mutex m_mutex;
    uint64_t m_generation = ~0ull;
    int64_t m_step = -1;
    std::unique_ptr<Translator> m_translator;
    std::string m_last_body;  // the request the last translation was of, by this generation
    Image m_last_output;
};

}  // namespace ganscope
