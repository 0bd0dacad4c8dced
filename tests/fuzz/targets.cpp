// The fuzz targets: the pickle machine in both modes, torch.save layouts, the checkpoint pre-check and the checks
// of fixed latents and history snapshots, image
// decoding, the JSON readers (config, metrics lines) and safetensors headers.
#include "tests/fuzz/targets.h"

#include <cstring>
#include <exception>
#include <sstream>

#include "ml/formats/archive_check.h"
#include "ml/config.h"
#include "ml/data/image.h"
#include "ml/run/metrics.h"
#include "ml/formats/pickle_machine.h"
#include "ml/formats/safe_text.h"
#include "ml/formats/safetensors_layout.h"
#include "ml/formats/torch_save_layout.h"

namespace ganscope::fuzz {
namespace {

template <class F>
bool refused_or_ok(F&& f) {
    try {
        f();
        return true;
    } catch (const std::exception& e) {
        // A refusal must be one line with no raw bytes from the input: messages reach terminals.
        for (const char* p = e.what(); *p; ++p)
            if (*p == '\n' || *p == '\x1b') {
                std::fprintf(stderr, "fuzz: a refusal message carries a raw newline or escape: %s\n",
                             escape_bytes(e.what(), 300).c_str());
                std::abort();
            }
        return false;
    }
}

bool pickle(const uint8_t* data, size_t size) {
    const char* p = reinterpret_cast<const char*>(data);
    const bool a = refused_or_ok([&] { read_pickle(p, size, PickleMode::StateDict); });
    const bool b = refused_or_ok([&] { read_pickle(p, size, PickleMode::Scan); });
    return a || b;
}

bool torch_save(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        TorchSaveLayout layout = parse_torch_save(ByteSource::memory(data, size));
        // What TorchSaveFile::load reads: each tensor's span inside its storage's bytes.
        for (const PickleTensor& t : layout.pickle.tensors) {
            const PickleStorage& st = layout.pickle.storages[t.storage];
            const uint64_t bytes = uint64_t(t.extent) * storage_element_size(st.type);
            std::string buf(size_t(std::min<uint64_t>(bytes, 1u << 20)), '\0');
            const auto& where = layout.storages[t.storage];
            if (where.entry && where.entry->method == 0) layout.zip->read_stored(*where.entry, 0, buf.data(), buf.size());
            else if (!where.entry) layout.file->read(where.offset, buf.data(), buf.size());
        }
    });
}

bool checkpoint(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        ZipArchive zip(ByteSource::memory(data, size));
        check_torch_archive(zip);
    });
}

// runs/NAME/fixed_latents.pt as every reader takes it (timelapse, watch, resume).
bool fixed_latents(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        ZipArchive zip(ByteSource::memory(data, size));
        check_tensor_archive(zip);
    });
}

// History snapshots, and what /api/snapshot serves.
bool snapshot(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        ZipArchive zip(ByteSource::memory(data, size));
        check_snapshot_archive(zip);
    });
}

bool image(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        // A smaller canvas than the app allows: 120 megapixels decode for seconds under AddressSanitizer.
        Image im = load_image_memory(data, size, "fuzz input", {}, 4'000'000);
        if (im.width >= 4 && im.height >= 4) resize_short_side_center_crop(im, 16);
    });
}

bool config(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const bool a = refused_or_ok([&] {
        TrainConfig c = TrainConfig::from_json(nlohmann::json::parse(text));
        c.validate();
        (void)c.to_json().dump();
    });
    // metrics.jsonl: one record a line, as resume and --open read it.
    bool b = false;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        b |= refused_or_ok([&] { (void)StepMetrics::from_json(nlohmann::json::parse(line)).to_json().dump(); });
    return a || b;
}

bool safetensors(const uint8_t* data, size_t size) {
    return refused_or_ok([&] {
        auto source = ByteSource::memory(data, size);
        if (!looks_like_safetensors(*source)) throw std::runtime_error("not safetensors");
        const SafetensorsLayout layout = parse_safetensors(std::move(source));
        // What TorchSaveFile::load reads: each tensor's bytes.
        for (const SafetensorsEntry& e : layout.entries) {
            std::string buf(size_t(std::min<uint64_t>(e.bytes, 1u << 20)), '\0');
            layout.file->read(e.offset, buf.data(), buf.size());
        }
    });
}

}  // namespace

Target find_target(const std::string& name) {
    if (name == "pickle") return pickle;
    if (name == "torch_save") return torch_save;
    if (name == "checkpoint") return checkpoint;
    if (name == "fixed_latents") return fixed_latents;
    if (name == "snapshot") return snapshot;
    if (name == "image") return image;
    if (name == "config") return config;
    if (name == "safetensors") return safetensors;
    return nullptr;
}

const char* target_names() { return "pickle torch_save checkpoint fixed_latents snapshot image config safetensors"; }

}  // namespace ganscope::fuzz
