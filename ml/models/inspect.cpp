// The Inspect panel's views of a run's networks (see inspect.h). Any one thread that owns the object.
#include "ml/models/inspect.h"

#include <stdexcept>
#include <string>

#include "ml/models/dcgan.h"
#include "ml/models/gan_losses.h"
#include "ml/run/module_io.h"
#include "ml/models/pix2pix.h"

namespace ganscope {

namespace {

std::string shape_of(const torch::Tensor& t) { return t.defined() ? c10::str(t.sizes()) : "undefined"; }

torch::Tensor to_cpu_float(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

void check_images(const torch::Tensor& t, const char* what, const char* call) {
    if (!t.defined() || t.dim() != 4 || t.size(1) != 3)
        throw std::invalid_argument(std::string(call) + ": " + what + " must be N x 3 x H x W, got " + shape_of(t));
}

}  // namespace

TranslationTriples split_translation_grid(const torch::Tensor& images) {
    if (!images.defined() || images.dim() != 4 || images.size(0) % 3 != 0 || images.size(0) == 0)
        throw std::invalid_argument("a pix2pix sample grid holds input, output, target per validation pair (3N "
                                    "images); got " + shape_of(images) + ": the run may have no validation pairs");
    const torch::Tensor triples =
        images.reshape({images.size(0) / 3, 3, images.size(1), images.size(2), images.size(3)});
    return {triples.select(1, 0), triples.select(1, 1), triples.select(1, 2)};
}

torch::Tensor error_maps(const torch::Tensor& outputs, const torch::Tensor& targets) {
    check_images(outputs, "outputs", "error_maps");
    if (!targets.defined() || targets.sizes() != outputs.sizes())
        throw std::invalid_argument("error_maps: targets " + shape_of(targets) + " differ in shape from outputs " +
                                    shape_of(outputs));
    torch::NoGradGuard no_grad;
    return to_cpu_float((to_cpu_float(outputs) - to_cpu_float(targets)).abs().mean(1, /*keepdim=*/true));
}

struct SnapshotDiscriminator::Impl {
    DcganDiscriminator dcgan{nullptr};
    PatchDiscriminator patch{nullptr};
    GanLoss loss = GanLoss::Bce;
    torch::Device device{torch::kCPU};
};

SnapshotDiscriminator::SnapshotDiscriminator(const WeightsSnapshot& snapshot, torch::Device device)
    : m_impl(std::make_unique<Impl>()), m_step(snapshot.step), m_config(snapshot.config) {
    m_impl->device = device;
    const std::string origin = "discriminator of the snapshot at step " + std::to_string(m_step);
    if (snapshot.discriminator.empty()) {
        const bool palette = m_config.image_to_image() && m_config.loss == "palette_ce";
        throw std::runtime_error(
            "this run's snapshots carry no discriminator (step " + std::to_string(m_step) + "): " +
            (palette ? std::string("pix2pix with --loss palette_ce trains none")
                     : std::string("the source holds the generator only (history files, served runs and "
                                   "generator-only .pth files do); open the run's checkpoint or train it here")));
    }
    if (m_config.image_to_image()) {
        // As Pix2PixTask builds it: D judges (input, output) pairs, 3 + 3 channels.
        m_impl->patch = PatchDiscriminator(6, m_config.d_width, patch_layers_for(m_config.image_size));
        assign_named_tensors(*m_impl->patch, snapshot.discriminator, origin);
        m_impl->patch->to(device);
        m_impl->patch->eval();
        return;
    }
    if (!m_config.has_latent_space())
        throw std::runtime_error(origin + " is of model '" + m_config.model + "', which Inspect cannot rebuild");
    m_impl->loss = parse_gan_loss(m_config.gan_loss);
    m_impl->dcgan = DcganDiscriminator(m_config.image_size, m_config.d_width);
    assign_named_tensors(*m_impl->dcgan, snapshot.discriminator, origin);
    m_impl->dcgan->to(device);
    m_impl->dcgan->eval();
}

SnapshotDiscriminator::~SnapshotDiscriminator() = default;
SnapshotDiscriminator::SnapshotDiscriminator(SnapshotDiscriminator&&) noexcept = default;
SnapshotDiscriminator& SnapshotDiscriminator::operator=(SnapshotDiscriminator&&) noexcept = default;

bool SnapshotDiscriminator::is_conditional() const { return !m_impl->patch.is_empty(); }

bool SnapshotDiscriminator::verdicts_are_probabilities() const {
    return is_conditional() || m_impl->loss == GanLoss::Bce;
}

torch::Tensor SnapshotDiscriminator::verdicts(const torch::Tensor& images) {
    if (is_conditional())
        throw std::logic_error("verdicts() judges DCGAN images; this is a pix2pix discriminator: use patch_map()");
    check_images(images, "images", "verdicts");
    if (images.size(2) != m_config.image_size || images.size(3) != m_config.image_size)
        throw std::invalid_argument("verdicts: this discriminator judges " + std::to_string(m_config.image_size) +
                                    "x" + std::to_string(m_config.image_size) + " images, got " + shape_of(images));
    torch::NoGradGuard no_grad;
    const torch::Tensor out = m_impl->dcgan->forward(images.to(m_impl->device, torch::kFloat32)).reshape({-1});
    return to_cpu_float(m_impl->loss == GanLoss::Bce ? torch::sigmoid(out) : out);
}

torch::Tensor SnapshotDiscriminator::patch_map(const torch::Tensor& inputs, const torch::Tensor& outputs) {
    if (!is_conditional())
        throw std::logic_error("patch_map() judges pix2pix pairs; this is a DCGAN discriminator: use verdicts()");
    check_images(inputs, "inputs", "patch_map");
    check_images(outputs, "outputs", "patch_map");
    if (inputs.sizes() != outputs.sizes())
        throw std::invalid_argument("patch_map: inputs " + shape_of(inputs) + " and outputs " + shape_of(outputs) +
                                    " differ in shape");
    torch::NoGradGuard no_grad;
    const auto options = torch::TensorOptions(m_impl->device).dtype(torch::kFloat32);
    // The order Pix2PixTask::train_step feeds D: the condition first, then the image judged.
    const torch::Tensor pairs = torch::cat({inputs.to(options), outputs.to(options)}, 1);
    return to_cpu_float(torch::sigmoid(m_impl->patch->forward(pairs)));
}

}  // namespace ganscope
