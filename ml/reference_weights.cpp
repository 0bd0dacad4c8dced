// Reference (junyanz) state_dict files: pickle I/O, U-Net shape inference and checked loading.
#include "ml/reference_weights.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "ml/module_io.h"
#include "ml/torch_pickle.h"

namespace ganscope {
namespace {

std::string key_list(const StateDict& state, size_t max = 6) {
    std::string s;
    for (size_t i = 0; i < state.size() && i < max; ++i) s += (i ? ", " : "") + state[i].first;
    if (state.size() > max) s += ", ...";
    return s;
}

const torch::Tensor* find(const StateDict& state, const std::string& key) {
    for (const auto& [k, t] : state)
        if (k == key) return &t;
    return nullptr;
}

}  // namespace

StateDict read_state_dict(const std::string& path) {
    StateDict state;
    try {
        state = read_torch_save(path);
    } catch (const std::runtime_error& e) {
        throw CheckpointError(std::string(e.what()) + "; give a file saved with torch.save(net.state_dict(), path)");
    }
    // DataParallel wraps names in "module."; the reference strips it when saving, but not every fork does.
    for (auto& [k, t] : state)
        if (k.rfind("module.", 0) == 0) k = k.substr(7);
    return state;
}

void write_state_dict(const std::string& path, const StateDict& state) {
    try {
        write_torch_save(path, state);
    } catch (const std::runtime_error& e) {
        throw CheckpointError(e.what());
    }
}

UnetOptions infer_unet_options(const StateDict& state, const std::string& origin) {
    const torch::Tensor* first = find(state, "model.model.0.weight");
    const torch::Tensor* last = find(state, "model.model.3.weight");
    if (!first || !last || first->dim() != 4 || last->dim() != 4)
        throw CheckpointError(origin + ": not a U-Net generator state_dict (no model.model.0.weight / model.model.3.weight; "
                              "its keys: " + key_list(state) + "); ganscope loads the reference's unet_256 / unet_128 "
                              "generators (--netG unet_256), not resnet generators or discriminators");
    UnetOptions o;
    o.ngf = int(first->size(0));
    o.input_nc = int(first->size(1));
    o.output_nc = int(last->size(1));
    o.tanh = true;
    // Depth: follow the nesting (the inner level sits at index 1 of the outermost, index 3 of middle levels)
    // down to the innermost level, whose index 3 is its up-convolution rather than another level.
    std::string prefix = "model.model.1.model.";
    int levels = 1;
    while (true) {
        const std::string next = prefix + "3.model.";
        bool deeper = false;
        for (const auto& [k, t] : state)
            if (k.rfind(next, 0) == 0) deeper = true;
        ++levels;
        if (!deeper) break;
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

UnetGenerator load_reference_generator(const std::string& path, torch::Device device) {
    const StateDict state = read_state_dict(path);
    UnetGenerator g(infer_unet_options(state, path));
    load_unet_state_dict(g, state, path);
    g->to(device);
    set_inference_mode(g, NormMode::Eval);
    return g;
}

}  // namespace ganscope
