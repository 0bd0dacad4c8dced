// Plain state_dict export and seed-003 generator import.
#include "ml/run/weights_exchange.h"

#include <map>
#include <sstream>

#include "ml/run/checkpoint.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"
#include "ml/models/task_factory.h"

namespace ganscope {
namespace {

std::string key_list(const StateDict& state, size_t max = 6) {
    std::string s;
    for (size_t i = 0; i < state.size() && i < max; ++i) s += (i ? ", " : "") + state[i].first;
    if (state.size() > max) s += ", ...";
    return s.empty() ? "none" : s;
}

const torch::Tensor* find(const StateDict& state, const std::string& key) {
    for (const auto& [k, t] : state)
        if (k == key) return &t;
    return nullptr;
}

StateDict module_state(const torch::nn::Module& module, const std::string& strip_prefix) {
    StateDict out;
    auto add = [&](const std::string& name, const torch::Tensor& t) {
        const std::string key = name.rfind(strip_prefix, 0) == 0 ? name.substr(strip_prefix.size()) : name;
        out.emplace_back(key, t.detach().cpu().contiguous());
    };
    for (const auto& p : module.named_parameters(true)) add(p.key(), p.value());
    for (const auto& b : module.named_buffers(true)) add(b.key(), b.value());
    return out;
}

}  // namespace

ExportPart parse_export_part(const std::string& what) {
    if (what == "generator") return ExportPart::Generator;
    if (what == "generator_raw") return ExportPart::GeneratorRaw;
    if (what == "discriminator") return ExportPart::Discriminator;
    throw std::invalid_argument("--what " + what + ": use generator, generator_raw or discriminator");
}

StateDict dcgan_state_dict(const torch::nn::Module& module) { return module_state(module, "net."); }

StateDict export_state_dict(const std::string& checkpoint_path, ExportPart part) {
    const CheckpointMeta meta = read_checkpoint_meta(checkpoint_path);
    TrainConfig config = meta.config;
    config.device = "cpu";
    if (config.image_size == 0) throw CheckpointError(checkpoint_path + ": the checkpoint has no image size; it is damaged");
    auto task = make_task(config, torch::kCPU);
    load_checkpoint(checkpoint_path, *task);
    if (auto* dcgan = dynamic_cast<DcganTask*>(task.get())) {
        switch (part) {
            case ExportPart::Generator: return dcgan_state_dict(*dcgan->sample_generator());
            case ExportPart::GeneratorRaw: return dcgan_state_dict(*dcgan->generator());
            case ExportPart::Discriminator: return dcgan_state_dict(*dcgan->discriminator());
        }
    }
    if (auto* p2p = dynamic_cast<Pix2PixTask*>(task.get())) {
        if (part != ExportPart::Discriminator) return unet_state_dict(p2p->generator());
        if (!p2p->discriminator())
            throw CheckpointError(checkpoint_path + ": this pix2pix run trained without a discriminator (--loss palette_ce); "
                                  "export its generator instead");
        return module_state(*p2p->discriminator(), "");
    }
    throw CheckpointError(checkpoint_path + ": a " + config.model + " checkpoint; export knows dcgan and pix2pix");
}

DcganShape infer_dcgan_generator(const StateDict& state, const std::string& origin) {
    auto layout_error = [&](const std::string& why) {
        std::string hint;
        if (find(state, "model.model.0.weight"))
            hint = " (this is a junyanz U-Net generator: use `ganscope translate --checkpoint` for it)";
        else if (find(state, "net.0.weight"))
            hint = " (its keys carry a 'net.' prefix; save the nn.Sequential itself)";
        return CheckpointError(origin + ": not a DCGAN generator state_dict in seed 003's nn.Sequential layout (" + why +
                               "; expected 0.weight [latent, channels, 4, 4], 1.weight ... with ConvTranspose2d every "
                               "3 keys and 3 output channels last; found keys " + key_list(state) + ")" + hint);
    };
    const torch::Tensor* first = find(state, "0.weight");
    if (!first || first->dim() != 4 || first->size(2) != 4 || first->size(3) != 4)
        throw layout_error("no 0.weight of shape [latent, channels, 4, 4]");
    // ConvTranspose2d weights sit at 0, 3, 6, ...: [in, out, 4, 4], each stage's input is the previous one's output.
    int convs = 0;
    int64_t last_out = 0;
    for (int i = 0;; i += 3) {
        const torch::Tensor* w = find(state, std::to_string(i) + ".weight");
        if (!w || w->dim() != 4) break;
        if (convs > 0 && w->size(0) != last_out) throw layout_error("layer " + std::to_string(i) + " does not take the previous layer's channels");
        last_out = w->size(1);
        ++convs;
    }
    if (last_out != 3) throw layout_error("the last ConvTranspose2d gives " + std::to_string(last_out) + " channels, not 3 (RGB)");
    const int depth = convs - 1;
    if (depth < 2 || depth > 6) throw layout_error(std::to_string(convs) + " ConvTranspose2d layers (3 to 7 give 16 to 256 px)");
    DcganShape shape;
    shape.latent_dim = int(first->size(0));
    shape.image_size = 4 << depth;
    shape.width = int(find(state, std::to_string(3 * depth) + ".weight")->size(0));
    if (int64_t(shape.width) << (depth - 1) != first->size(1))
        throw layout_error("hidden widths must halve layer by layer (" + std::to_string(first->size(1)) + " ... " +
                           std::to_string(shape.width) + ")");
    return shape;
}

WeightsSnapshot dcgan_snapshot_from_state_dict(const StateDict& state, const std::string& origin) {
    const DcganShape shape = infer_dcgan_generator(state, origin);
    DcganGenerator g(shape.image_size, shape.latent_dim, shape.width);
    std::map<std::string, torch::Tensor> present;
    for (const auto& [k, t] : state) present["net." + k] = t;
    // Files from PyTorch before 0.4.1 have no num_batches_tracked; it does not change what the generator draws.
    for (const auto& b : g->named_buffers(true))
        if (!present.count(b.key()) && b.key().size() > 19 && b.key().substr(b.key().size() - 19) == "num_batches_tracked")
            present[b.key()] = torch::zeros_like(b.value());
    assign_named_tensors(*g, {present.begin(), present.end()}, origin);
    WeightsSnapshot s;
    s.step = 0;
    s.config.model = "dcgan";
    s.config.device = "cpu";
    s.config.image_size = shape.image_size;
    s.config.latent_dim = shape.latent_dim;
    s.config.g_width = shape.width;
    s.tensors = clone_named_tensors(*g);
    return s;
}

std::optional<WeightsSnapshot> read_plain_generator(const std::string& path) {
    try {
        read_checkpoint_meta(path);
        return std::nullopt;
    } catch (const CheckpointError& e) {
        const std::string why = e.what();
        if (why.find("not a ganscope checkpoint") == std::string::npos && why.find("not a readable checkpoint") == std::string::npos)
            throw;
        // A damaged zip is damaged whatever it holds: say so rather than what the state_dict reader then trips on.
        if (why.find("fails its CRC-32 check") != std::string::npos) throw;
    }
    StateDict state;
    try {
        state = read_state_dict(path);
    } catch (const CheckpointError& e) {
        throw CheckpointError(path + ": neither a ganscope checkpoint nor a PyTorch state_dict (" + e.what() + ")");
    }
    return dcgan_snapshot_from_state_dict(state, path);
}

void load_generator_weights(GanTask& task, const WeightsSnapshot& snapshot, const std::string& origin) {
    auto* dcgan = dynamic_cast<DcganTask*>(&task);
    if (!dcgan) throw CheckpointError(origin + ": a DCGAN generator, but the task is not a DCGAN");
    assign_named_tensors(*dcgan->generator(), snapshot.tensors, origin);
    dcgan->forget_discriminator();  // the file has no D: snapshots must not offer the fresh one's verdicts
}

}  // namespace ganscope
