// pix2pix inference for the Translate panel, off the GL thread: its own thread owns the Translator (built from
// the trainer's weights snapshots or opened from a checkpoint); at most one translation pending, latest wins.
// The GL thread calls the public methods and reads the slots; nothing here waits on the trainer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "ml/models/gan_task.h"
#include "ml/data/image.h"
#include "ml/slot.h"
#include "ml/models/translator.h"
#include "viewer/workers/worker_loop.h"

namespace ganscope {

// What the loaded translator is, for the panel (size of the canvas, whether the pen has colour).
struct TranslatorInfo {
    uint64_t generation = 0;     // bumps with every new translator
    std::string description;
    int image_size = 0;
    bool input_needs_colour = false;
    bool output_ascii = false;   // the output domain is ASCII art: offer a .txt export
    int64_t weights_step = -1;   // -1: from a file
};

struct TranslateResult {
    uint64_t tag = 0;            // the caller's tag of the input (the canvas revision)
    uint64_t generation = 0;     // the translator that produced it
    Image input, output;         // at the model's size, RGB
    double ms = 0;
};

struct LoadedImage {
    std::string path;
    Image image;                 // in the model's input domain, at its size
};

class TranslateWorker {
public:
    explicit TranslateWorker(torch::Device device = torch::kCPU);
    ~TranslateWorker();
    TranslateWorker(const TranslateWorker&) = delete;
    TranslateWorker& operator=(const TranslateWorker&) = delete;

    // A pix2pix generator snapshot from the trainer; a newer one replaces one not yet loaded.
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    // A ganscope pix2pix checkpoint or a reference latest_net_G.pth (Translator::open).
    void open(const std::string& path);
    // A model that runs elsewhere (a served run's, POST /api/translate): `translate` is called on the worker's thread
    // in place of a translator; `config` says what the panel needs (size, colour, ASCII output).
    void use_remote(std::function<Image(const Image&)> translate, TrainConfig config, std::string description);
    // Translates `input` (replacing a pending request); the last input is re-translated by each new translator.
    void request(Image input, uint64_t tag);
    // Loads an image file and converts it into the input domain (a photo becomes edges).
    void load(const std::string& path);

    const LatestSlot<TranslatorInfo>& info() const { return m_info; }
    const LatestSlot<TranslateResult>& result() const { return m_result; }
    const LatestSlot<LoadedImage>& loaded() const { return m_loaded; }
    std::string error() const;   // the last failure; empty when the last job succeeded
    // The translator itself, for tests and exports on the caller's thread (read-only use). Null before one loads.
    std::shared_ptr<const Translator> translator() const;

private:
    // What the GL thread asked for and the worker has not taken yet (worker_loop.h).
    struct Remote {
        std::function<Image(const Image&)> translate;
        TrainConfig config;
        std::string description;
    };
    struct Pending {
        std::shared_ptr<const WeightsSnapshot> weights;
        std::optional<Remote> remote;
        std::string open, load;
        std::optional<std::pair<Image, uint64_t>> input;
        bool empty() const { return !weights && !remote && open.empty() && load.empty() && !input; }
    };
    void work(Pending& taken);  // the worker's thread

    torch::Device m_device;
    // The worker thread's own: the last input, translated again by each new translator.
    std::pair<Image, uint64_t> m_last_input;
    bool m_have_input = false;
    uint64_t m_generation = 0;
    std::optional<Remote> m_remote;  // the worker thread's: set, it replaces the translator
    mutable std::mutex m_translator_mutex;
    std::shared_ptr<const Translator> m_translator;  // under m_translator_mutex: tests read it

    LatestSlot<TranslatorInfo> m_info;
    LatestSlot<TranslateResult> m_result;
    LatestSlot<LoadedImage> m_loaded;
    WorkerLoop<Pending> m_loop;  // last: its thread stops before the members above go
};

}  // namespace ganscope
