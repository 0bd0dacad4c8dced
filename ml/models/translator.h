// Inference with a trained pix2pix generator: from a ganscope checkpoint or a reference latest_net_G.pth.
// One thread at a time (the CLI's main thread, or the window's inference worker).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "ml/config.h"
#include "ml/models/gan_task.h"
#include "ml/data/pairs.h"
#include "ml/models/pix2pix.h"

namespace ganscope {

// What a pix2pix run's config says about translating with it, without its weights (a model that runs elsewhere,
// such as a served run's): the automatic pair kind on each side (AtoB: the input is derived; BtoA: the output is),
// whether the input must have colour (a photo, or posterized colour), and a photo converted into the input domain
// (a photo becomes edges), resized to the model's size.
std::optional<PairKind> translation_input_kind(const TrainConfig& config);
std::optional<PairKind> translation_output_kind(const TrainConfig& config);
bool translation_input_needs_colour(const TrainConfig& config);
Image to_translation_input(const TrainConfig& config, const Image& photo);

class Translator {
public:
    // A ganscope checkpoint of a pix2pix run, or a reference state_dict (.pth). Throws CheckpointError
    // naming the file: missing, another model (a DCGAN checkpoint), another architecture (mismatched keys).
    static std::unique_ptr<Translator> open(const std::string& path, torch::Device device);
    // The trainer's latest generator snapshot (Trainer::weights()), for translating while it trains.
    static std::unique_ptr<Translator> from_snapshot(const WeightsSnapshot& snapshot, torch::Device device);
    // A generator already in memory, with the config it was trained with.
    Translator(UnetGenerator generator, TrainConfig config, torch::Device device);

    // input: any size and channel count -> the model's size (short side, centre crop); output RGB at that size.
    Image translate(const Image& input, NormMode mode = NormMode::Eval) const;
    // to_translation_input, translation_*_kind, translation_input_needs_colour (above) for this model's config.
    Image to_input_domain(const Image& photo) const;

    const TrainConfig& config() const { return m_config; }
    int image_size() const { return m_config.image_size; }
    std::optional<PairKind> input_kind() const;
    std::optional<PairKind> output_kind() const;
    bool input_needs_colour() const;
    std::string description() const { return m_description; }

private:
    UnetGenerator m_g;
    TrainConfig m_config;
    torch::Device m_device;
    std::string m_description;
};

}  // namespace ganscope
