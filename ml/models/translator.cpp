// pix2pix inference: loading checkpoints of either origin and translating images.
#include "ml/models/translator.h"

#include "ml/run/checkpoint.h"
#include "ml/run/history.h"
#include "ml/run/module_io.h"
#include "ml/data/palette.h"
#include "ml/run/reference_weights.h"
#include "ml/data/tensor_image.h"

namespace ganscope {
namespace {

bool is_automatic(const TrainConfig& c) {
    try {
        parse_pair_kind(c.pairs);
        return true;
    } catch (const std::invalid_argument&) {
        return false;
    }
}

}  // namespace

Translator::Translator(UnetGenerator generator, TrainConfig config, torch::Device device)
    : m_g(std::move(generator)), m_config(std::move(config)), m_device(device) {
    m_g->to(device);
    m_description = "pix2pix " + std::to_string(m_config.image_size) + "x" + std::to_string(m_config.image_size);
}

std::unique_ptr<Translator> Translator::open(const std::string& path, torch::Device device) {
    std::string ganscope_error;
    try {
        const CheckpointMeta meta = read_checkpoint_meta(path);
        if (meta.config.model != "pix2pix")
            throw CheckpointError(path + ": a " + meta.config.model + " checkpoint; translate needs a pix2pix checkpoint "
                                  "(ganscope train --model pix2pix) or a reference latest_net_G.pth");
        Pix2PixTask task(meta.config, torch::kCPU);
        load_checkpoint(path, task);
        auto t = std::make_unique<Translator>(task.generator(), meta.config, device);
        t->m_description = path + ": pix2pix " + meta.config.pairs + " " + meta.config.direction + ", " +
                           std::to_string(meta.config.image_size) + " px, step " + std::to_string(meta.step);
        return t;
    } catch (const CheckpointError& e) {
        ganscope_error = e.what();
        // Not a ganscope checkpoint at all: try the reference format below. Otherwise the error stands.
        if (ganscope_error.find("not a ganscope checkpoint") == std::string::npos &&
            ganscope_error.find("not a readable checkpoint") == std::string::npos)
            throw;
    }
    // A run's history snapshot (runs/NAME/history/step_*.pt).
    std::optional<WeightsSnapshot> snapshot;
    try {
        snapshot = load_snapshot(path);
    } catch (const std::runtime_error&) {
        // not a snapshot: a state_dict, below
    }
    if (snapshot) {
        if (snapshot->config.model != "pix2pix")
            throw CheckpointError(path + ": a history snapshot of a " + snapshot->config.model + " run; translate needs "
                                  "a pix2pix run's snapshot, checkpoint or a reference latest_net_G.pth");
        auto t = from_snapshot(*snapshot, device);
        t->m_description = path + ": pix2pix " + snapshot->config.pairs + " " + snapshot->config.direction + ", " +
                           std::to_string(snapshot->config.image_size) + " px, history snapshot of step " +
                           std::to_string(snapshot->step);
        return t;
    }
    std::unique_ptr<TorchSaveFile> file;
    try {
        file = std::make_unique<TorchSaveFile>(path);
    } catch (const std::runtime_error& e) {
        throw CheckpointError(path + ": neither a ganscope checkpoint nor a PyTorch state_dict (" + e.what() + ")");
    }
    UnetOptions o;
    UnetGenerator g = load_reference_unet(*file, &o);
    TrainConfig c;
    c.model = "pix2pix";
    c.pairs = "aligned";  // unknown domains
    c.image_size = 1 << o.num_downs;
    c.generator = "unet_" + std::to_string(c.image_size);
    c.g_width = o.ngf;
    if (o.input_nc != 3 || o.output_nc != 3)
        throw CheckpointError(path + ": a U-Net with " + std::to_string(o.input_nc) + " input and " +
                              std::to_string(o.output_nc) + " output channels; ganscope translates RGB to RGB (3 and 3)");
    auto t = std::make_unique<Translator>(g, c, device);
    t->m_description = path + ": reference " + c.generator + " (ngf " + std::to_string(o.ngf) + ")";
    return t;
}

std::unique_ptr<Translator> Translator::from_snapshot(const WeightsSnapshot& snapshot, torch::Device device) {
    if (snapshot.config.model != "pix2pix")
        throw std::invalid_argument("a " + snapshot.config.model + " snapshot cannot translate images; train pix2pix");
    UnetGenerator g(unet_options_for(snapshot.config));
    assign_named_tensors(*g, snapshot.tensors, "generator snapshot of step " + std::to_string(snapshot.step));
    auto t = std::make_unique<Translator>(g, snapshot.config, device);
    t->m_description = "pix2pix " + snapshot.config.pairs + " " + snapshot.config.direction + ", step " + std::to_string(snapshot.step);
    return t;
}

std::optional<PairKind> translation_input_kind(const TrainConfig& config) {
    if (!is_automatic(config) || config.direction != "AtoB") return std::nullopt;
    return parse_pair_kind(config.pairs);
}

std::optional<PairKind> translation_output_kind(const TrainConfig& config) {
    if (!is_automatic(config) || config.direction != "BtoA") return std::nullopt;
    return parse_pair_kind(config.pairs);
}

bool translation_input_needs_colour(const TrainConfig& config) {
    if (!is_automatic(config)) return false;
    if (auto k = translation_input_kind(config)) return pair_kind_has_colour(*k);
    return true;  // BtoA: the input is the photo
}

Image to_translation_input(const TrainConfig& config, const Image& photo) {
    Image sized = resize_short_side_center_crop(photo.channels == 3 ? photo : to_rgb(photo), config.image_size);
    if (auto k = translation_input_kind(config)) return make_pair_image(sized, *k, config.palette_values);
    return sized;
}

std::optional<PairKind> Translator::input_kind() const { return translation_input_kind(m_config); }
std::optional<PairKind> Translator::output_kind() const { return translation_output_kind(m_config); }
bool Translator::input_needs_colour() const { return translation_input_needs_colour(m_config); }
Image Translator::to_input_domain(const Image& photo) const { return to_translation_input(m_config, photo); }

Image Translator::translate(const Image& input, NormMode mode) const {
    const Image sized = resize_short_side_center_crop(input.channels == 3 ? input : to_rgb(input), m_config.image_size);
    torch::NoGradGuard no_grad;
    UnetGenerator g = m_g;
    set_inference_mode(g, mode);
    torch::Tensor out = g->forward(image_to_tensor(sized).unsqueeze(0).to(m_device));
    if (m_config.loss == "palette_ce") out = palette_decode(out, m_config.palette_values);
    return tensor_to_image(out[0]);
}

}  // namespace ganscope
