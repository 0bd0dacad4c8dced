// `ganscope translate`: batch pix2pix inference with a ganscope checkpoint or a reference latest_net_G.pth. Main thread.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml/data/dataset.h"
#include "ml/data/paired_data.h"
#include "ml/models/translator.h"
#include "ml/train/device.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

torch::Device pick_device(const std::string& name) {
    try {
        return resolve_device(name);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

int translate(const Args& args) {
    const std::string norm = args.get("norm", "eval");
    const NormMode mode = norm == "train" ? NormMode::Train : NormMode::Eval;

    const auto translator = Translator::open(args.get("checkpoint"), pick_device(args.get("device", "auto")));
    const std::string direction = args.get("direction", translator->config().direction);
    if (args.has("convert") && !translator->input_kind())
        throw UsageError("--convert: this model's input is not made by a pair generator (" + translator->description() +
                         "); give inputs in its domain directly");

    // The inputs: one file, or every image below a folder.
    const std::string input = args.get("input");
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
        FolderSource folder(input, {255, 255, 255});
        for (size_t i = 0; i < folder.size(); ++i) files.push_back(folder.name(i));
        for (const auto& [file, why] : folder.skipped()) std::cerr << "skipped " << file << ": " << why << std::endl;
    } else if (fs::exists(input, ec)) {
        files.push_back(input);
    } else {
        throw UsageError("--input " + input + ": no such file or folder");
    }
    const std::string out_dir = args.get("output");
    fs::create_directories(out_dir, ec);
    if (ec) throw std::runtime_error(out_dir + ": cannot create the output folder (" + ec.message() + ")");

    std::cout << "translate: " << translator->description() << ", " << files.size() << " input(s), BatchNorm " << norm
              << std::endl;
    const bool ascii_out = translator->output_kind() == PairKind::Ascii;
    int written = 0;
    for (const std::string& file : files) {
        Image raw = load_image_raw(file);
        if (raw.channels <= 2 && translator->input_needs_colour())
            throw std::runtime_error(file + ": a grayscale image, but this model translates colour images (" +
                                     translator->description() + "); give it a colour image");
        Image image = to_rgb(raw, {255, 255, 255});
        if (args.has("ab")) {
            auto halves = split_aligned(image, file);
            image = direction == "AtoB" ? halves.first : halves.second;
        }
        if (args.has("convert")) image = translator->to_input_domain(image);
        const Image output = translator->translate(image, mode);
        fs::path rel = fs::is_directory(input, ec) ? fs::relative(file, input) : fs::path(file).filename();
        const fs::path target = fs::path(out_dir) / rel.replace_extension(".png");
        fs::create_directories(target.parent_path(), ec);
        write_png(target.string(), output);
        if (ascii_out) {
            // The generated picture, read back as text: the glyph grid that best matches it.
            const fs::path txt = fs::path(target).replace_extension(".txt");
            std::ofstream(txt) << ascii_art(output).text();
        }
        ++written;
    }
    std::cout << "translate: wrote " << written << " image(s) to " << out_dir << std::endl;
    return 0;
}

}  // namespace

void add_translate_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "translate", "pix2pix inference on an image or a folder of images", translate);
    args.text("checkpoint", "FILE", "a pix2pix run's checkpoint.pt or history/step_*.pt snapshot, or a reference latest_net_G.pth (junyanz unet_256/unet_128)")
        ->required();
    args.text("input", "FILE|DIR", "an image, or a folder of images (searched recursively)")->required();
    args.text("output", "DIR", "where NAME.png is written for each input (and NAME.txt for ASCII-art outputs)")->required();
    args.choice("norm", {"eval", "train"}, "BatchNorm at inference: running statistics (eval, default) or the image's "
                                           "own (train, what the reference's test.py does without --eval)");
    args.flag("convert", "first turn each input into the model's input domain with its pair generator (a photo "
                         "becomes edges, a sketch or ASCII art), for models trained on automatic pairs");
    args.flag("ab", "the inputs are A|B images: translate the A half (the B half with --direction BtoA)");
    args.choice("direction", {"AtoB", "BtoA"}, "with --ab: which half is the input (default: the model's direction)");
    args.text("device", "auto|cpu|cuda[:N]", "where to run (default auto)");
}

}  // namespace ganscope
