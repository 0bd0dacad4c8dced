// Named, checked (de)serialisation of modules, optimisers and random generators.
#include "ml/run/module_io.h"

#include <map>
#include <sstream>

namespace ganscope {
namespace {

std::string shape_string(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

std::map<std::string, torch::Tensor> named_state(const torch::nn::Module& module) {
    std::map<std::string, torch::Tensor> state;
    for (const auto& p : module.named_parameters(true)) state[p.key()] = p.value();
    for (const auto& b : module.named_buffers(true)) state[b.key()] = b.value();
    return state;
}

// Copies `source` (name -> tensor) into `module`, after checking that names and shapes agree exactly.
void copy_checked(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& source,
                  const std::string& origin) {
    auto target = named_state(module);
    std::vector<std::string> problems;
    for (const auto& [name, t] : target) {
        auto it = source.find(name);
        if (it == source.end())
            problems.push_back("missing " + name);
        else if (it->second.sizes() != t.sizes())
            problems.push_back(name + " is " + shape_string(it->second) + " in the file, " + shape_string(t) +
                               " expected");
    }
    for (const auto& [name, t] : source)
        if (!target.count(name)) problems.push_back("unexpected " + name);
    if (!problems.empty()) {
        std::string msg = origin + ": weights do not match this model (" + std::to_string(problems.size()) +
                          " mismatches: ";
        for (size_t i = 0; i < problems.size() && i < 6; ++i) msg += (i ? "; " : "") + problems[i];
        if (problems.size() > 6) msg += "; ...";
        throw CheckpointError(msg + "); it was saved from another architecture or size");
    }
    torch::NoGradGuard no_grad;
    for (auto& [name, t] : target) t.copy_(source.at(name));
}

}  // namespace

void save_module(torch::serialize::OutputArchive& archive, const std::string& key, const torch::nn::Module& module) {
    torch::serialize::OutputArchive sub;
    for (const auto& [name, t] : named_state(module)) sub.write(name, t.detach());
    archive.write(key, sub);
}

void load_module(torch::serialize::InputArchive& archive, const std::string& key, torch::nn::Module& module) {
    torch::serialize::InputArchive sub;
    if (!archive.try_read(key, sub)) throw CheckpointError("checkpoint has no '" + key + "' section; it is not a ganscope checkpoint of this model");
    std::map<std::string, torch::Tensor> source;
    for (const auto& name : sub.keys()) {
        torch::Tensor t;
        if (sub.try_read(name, t)) source[name] = t;
    }
    copy_checked(module, source, "checkpoint section '" + key + "'");
}

void save_optimizer(torch::serialize::OutputArchive& archive, const std::string& key, const torch::optim::Optimizer& opt) {
    torch::serialize::OutputArchive sub;
    opt.save(sub);
    archive.write(key, sub);
}

void load_optimizer(torch::serialize::InputArchive& archive, const std::string& key, torch::optim::Optimizer& opt) {
    torch::serialize::InputArchive sub;
    if (!archive.try_read(key, sub)) throw CheckpointError("checkpoint has no '" + key + "' optimiser state");
    try {
        opt.load(sub);
    } catch (const c10::Error& e) {
        throw CheckpointError("optimiser state '" + key + "' does not match this model: " + e.what_without_backtrace());
    }
    move_optimizer_state_to_params(opt);
}

void move_optimizer_state_to_params(torch::optim::Optimizer& opt) {
    auto follow = [](torch::Tensor& t, const torch::Tensor& p) {
        if (t.defined() && t.device() != p.device()) t = t.to(p.device());
    };
    for (auto& group : opt.param_groups())
        for (auto& p : group.params()) {
            auto it = opt.state().find(p.unsafeGetTensorImpl());
            if (it == opt.state().end() || !it->second) continue;
            auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get());
            if (!adam) throw std::logic_error("move_optimizer_state_to_params: only Adam's state is known");
            torch::Tensor m = adam->exp_avg(), v = adam->exp_avg_sq(), vmax = adam->max_exp_avg_sq();
            follow(m, p);
            follow(v, p);
            follow(vmax, p);
            adam->exp_avg(m);
            adam->exp_avg_sq(v);
            adam->max_exp_avg_sq(vmax);
        }
}

void save_generator_state(torch::serialize::OutputArchive& archive, const std::string& key, at::Generator gen) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write(key, gen.get_state());
}

void load_generator_state(torch::serialize::InputArchive& archive, const std::string& key, at::Generator& gen) {
    torch::Tensor state;
    if (!archive.try_read(key, state)) throw CheckpointError("checkpoint has no random generator state '" + key + "'");
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

std::string device_state_key(const std::string& base, c10::DeviceType type) {
    return base + "_" + c10::DeviceTypeName(type, /*lower_case=*/true);
}

void save_device_generator_state(torch::serialize::OutputArchive& archive, const std::string& base, at::Generator gen) {
    save_generator_state(archive, device_state_key(base, gen.device().type()), gen);
}

bool load_device_generator_state(torch::serialize::InputArchive& archive, const std::string& base, at::Generator& gen) {
    torch::Tensor state;
    if (!archive.try_read(device_state_key(base, gen.device().type()), state) && !archive.try_read(base, state))
        return false;
    std::lock_guard<std::mutex> lock(gen.mutex());
    if (state.numel() != gen.get_state().numel()) return false;  // another device type's layout
    gen.set_state(state);
    return true;
}

at::Generator make_random_generator(torch::Device device, uint64_t seed) {
    at::Generator gen = at::globalContext().defaultGenerator(device).clone();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
    return gen;
}

std::vector<std::pair<std::string, torch::Tensor>> clone_named_tensors(const torch::nn::Module& module) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& [name, t] : named_state(module)) out.emplace_back(name, t.detach().clone());
    return out;
}

void assign_named_tensors(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                          const std::string& origin) {
    std::map<std::string, torch::Tensor> source(tensors.begin(), tensors.end());
    copy_checked(module, source, origin);
}

}  // namespace ganscope
