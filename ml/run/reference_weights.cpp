// Reference (junyanz) state_dict files: pickle I/O, U-Net shape inference and checked loading.
#include "ml/run/reference_weights.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "ml/run/module_io.h"
#include "ml/formats/safe_text.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {
namespace {

std::string key_list(const ShapeList& shapes, size_t max = 6) {
    std::string s;
    for (size_t i = 0; i < shapes.size() && i < max; ++i) s += (i ? ", " : "") + escape_bytes(shapes[i].first, 60);
    if (shapes.size() > max) s += ", ...";
    return s;
}

const std::vector<int64_t>* find(const ShapeList& shapes, const std::string& key) {
    for (const auto& [k, s] : shapes)
        if (k == key) return &s;
    return nullptr;
}

std::string strip_module(const std::string& key) {
    // DataParallel wraps names in "module."; the reference strips it when saving, but not every fork does.
    return key.rfind("module.", 0) == 0 ? key.substr(7) : key;
}

std::string shape_text(const std::vector<int64_t>& sizes) {
    std::string s = "[";
    for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + "]";
}

}  // namespace

StateDict read_state_dict(const std::string& path) {
    StateDict state;
    try {
        state = read_torch_save(path);
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        // A damaged safetensors file needs a fresh copy; anything else, the format this reader takes.
        throw CheckpointError(what +
                              (what.find("not a readable safetensors file") != std::string::npos
                                   ? "; get a fresh copy of the file"
                                   : "; give a file saved with torch.save(net.state_dict(), path) or as safetensors"));
    }
    for (auto& [k, t] : state) k = strip_module(k);
    // Trained weights are finite; NaN or inf means a damaged file or bytes read in the wrong order, which would
    // otherwise translate into noise without a word.
    int64_t bad = 0;
    std::string first;
    for (const auto& [k, t] : state) {
        if (!t.is_floating_point() || t.numel() == 0) continue;
        const int64_t n = (~torch::isfinite(t)).sum().item<int64_t>();
        if (n > 0 && first.empty()) first = k;
        bad += n;
    }
    if (bad > 0)
        throw CheckpointError(path + ": " + std::to_string(bad) +
                              " of its weights are not finite (NaN or inf; the first in '" + escape_bytes(first, 80) +
                              "'); the file is damaged or was written with another byte order");
    return state;
}

void write_state_dict(const std::string& path, const StateDict& state) {
    try {
        const std::string suffix = ".safetensors";
        if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
            write_safetensors(path, state, {{"format", "pt"}});
        else
            write_torch_save(path, state);
    } catch (const std::runtime_error& e) {
        throw CheckpointError(e.what());
    }
}

UnetOptions infer_unet_options(const StateDict& state, const std::string& origin) {
    ShapeList shapes;
    for (const auto& [k, t] : state) shapes.emplace_back(k, t.sizes().vec());
    return infer_unet_options(shapes, origin);
}

UnetOptions infer_unet_options(const ShapeList& shapes, const std::string& origin) {
    const std::vector<int64_t>* first = find(shapes, "model.model.0.weight");
    const std::vector<int64_t>* last = find(shapes, "model.model.3.weight");
    if (!first || !last || first->size() != 4 || last->size() != 4)
        throw CheckpointError(origin + ": not a U-Net generator state_dict (no model.model.0.weight / model.model.3.weight; "
                              "its keys: " + key_list(shapes) + "); ganscope loads the reference's unet_256 / unet_128 "
                              "generators (--netG unet_256), not resnet generators or discriminators");
    const int64_t ngf = (*first)[0], input_nc = (*first)[1], output_nc = (*last)[1];
    if (ngf < 1 || ngf > kMaxUnetWidth || input_nc < 1 || input_nc > 16 || output_nc < 1 || output_nc > 4096)
        throw CheckpointError(origin + ": a U-Net of width " + std::to_string(ngf) + " with " + std::to_string(input_nc) +
                              " input and " + std::to_string(output_nc) + " output channels; ganscope reads widths 1 to " +
                              std::to_string(kMaxUnetWidth) + " and at most 16 input channels");
    UnetOptions o;
    o.ngf = int(ngf);
    o.input_nc = int(input_nc);
    o.output_nc = int(output_nc);
    o.tanh = true;
    // Depth: follow the nesting (the inner level sits at index 1 of the outermost, index 3 of middle levels)
    // down to the innermost level, whose index 3 is its up-convolution rather than another level.
    std::string prefix = "model.model.1.model.";
    int levels = 1;
    while (true) {
        const std::string next = prefix + "3.model.";
        bool deeper = false;
        for (const auto& [k, t] : shapes)
            if (k.rfind(next, 0) == 0) deeper = true;
        ++levels;
        if (!deeper) break;
        if (levels >= kMaxUnetDepth)
            throw CheckpointError(origin + ": its keys describe a U-Net more than " + std::to_string(kMaxUnetDepth) +
                                  " levels deep (" + std::to_string(1 << kMaxUnetDepth) +
                                  " pixels); ganscope reads unet_32 to unet_512 generators");
        prefix = next;
    }
    o.num_downs = levels;
    return o;
}

void load_unet_state_dict(UnetGenerator& generator, const StateDict& state, const std::string& origin) {
    StateDict complete = state;
    std::map<std::string, bool> present;
    for (const auto& [k, t] : state) present[k] = true;
    for (const auto& b : generator->named_buffers(true))
        if (b.key().size() > 19 && b.key().substr(b.key().size() - 19) == "num_batches_tracked" && !present.count(b.key()))
            complete.emplace_back(b.key(), torch::zeros_like(b.value()));
    assign_named_tensors(*generator, complete, origin);
}

StateDict unet_state_dict(const UnetGenerator& generator) {
    StateDict out;
    // Parameters then buffers, each in registration order, as Python's state_dict interleaves them per module;
    // order does not matter to load_state_dict, names and shapes do.
    for (const auto& p : generator->named_parameters(true)) out.emplace_back(p.key(), p.value().detach().cpu());
    for (const auto& b : generator->named_buffers(true)) out.emplace_back(b.key(), b.value().detach().cpu());
    return out;
}

UnetGenerator load_reference_unet(const TorchSaveFile& file, UnetOptions* options) {
    const std::string& origin = file.path();
    ShapeList shapes;
    for (const auto& d : file.declarations()) shapes.emplace_back(strip_module(d.name), d.sizes);
    const UnetOptions o = infer_unet_options(shapes, origin);
    if (options) *options = o;
    try {
        UnetGenerator g(o);
        // The architecture's names and shapes against the file's declarations, before anything is read.
        std::map<std::string, std::vector<int64_t>> expected;
        for (const auto& p : g->named_parameters(true)) expected[p.key()] = p.value().sizes().vec();
        for (const auto& b : g->named_buffers(true)) expected[b.key()] = b.value().sizes().vec();
        std::vector<std::string> problems;
        std::map<std::string, bool> declared;
        for (const auto& [k, sizes] : shapes) {
            declared[k] = true;
            auto it = expected.find(k);
            if (it == expected.end())
                problems.push_back("unexpected " + escape_bytes(k, 60));
            else if (it->second != sizes)
                problems.push_back(escape_bytes(k, 60) + " is " + shape_text(sizes) + " in the file, " +
                                   shape_text(it->second) + " expected");
        }
        for (const auto& [k, sizes] : expected)
            if (!declared.count(k) && k.find("num_batches_tracked") == std::string::npos) problems.push_back("missing " + k);
        if (!problems.empty()) {
            std::string msg = origin + ": weights do not match the U-Net its keys describe (" +
                              std::to_string(problems.size()) + " mismatches: ";
            for (size_t i = 0; i < problems.size() && i < 4; ++i) msg += (i ? "; " : "") + problems[i];
            throw CheckpointError(msg + (problems.size() > 4 ? "; ...)" : ")"));
        }
        StateDict state;
        for (size_t i = 0; i < file.declarations().size(); ++i) state.emplace_back(shapes[i].first, file.load(i));
        load_unet_state_dict(g, state, origin);
        return g;
    } catch (const c10::Error& e) {
        throw CheckpointError(origin + ": " + one_line(e.what_without_backtrace()));
    } catch (const CheckpointError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw CheckpointError(one_line(e.what()));
    }
}

UnetGenerator load_reference_generator(const std::string& path, torch::Device device) {
    std::unique_ptr<TorchSaveFile> file;
    try {
        file = std::make_unique<TorchSaveFile>(path);
    } catch (const std::runtime_error& e) {
        throw CheckpointError(std::string(e.what()) + "; give a file saved with torch.save(net.state_dict(), path)");
    }
    UnetGenerator g = load_reference_unet(*file);
    g->to(device);
    set_inference_mode(g, NormMode::Eval);
    return g;
}

}  // namespace ganscope
