// `ganscope data combine|pairs`: make pix2pix training folders (A|B images) from two folders or from a generator.
// Main thread.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml/data/paired_data.h"
#include "ml/data/pairs.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

int combine(const Args& args) {
    PairedFolderSource source(args.get("a"), args.get("b"), {255, 255, 255});
    const fs::path out = args.get("out");
    for (size_t i = 0; i < source.size(); ++i) {
        const auto& [a_file, b_file] = source.pairs()[i];
        fs::path rel = fs::relative(a_file, args.get("a"));
        write_png((out / rel.replace_extension(".png")).string(), source.load(i));
    }
    std::cout << "data combine: wrote " << source.size() << " A|B images to " << out.string() << std::endl;
    return 0;
}

int pairs(const Args& args) {
    const PairKind kind = parse_pair_kind(args.get("kind"));
    const int size = args.get_int("size", 256), count = args.get_int("count", 0);
    const int palette_values = args.get_int("palette-values", 4);
    if (size < 16 || size > 4096) throw UsageError("--size " + std::to_string(size) + ": use 16 to 4096");
    auto source = open_source(args.get("data", "emoji"), {255, 255, 255}, size);
    const size_t n = count > 0 ? std::min(source->size(), size_t(count)) : source->size();
    const fs::path out = args.get("out");
    fs::create_directories(out);
    for (size_t i = 0; i < n; ++i) {
        // Spread over the whole source so a small count still shows variety.
        const size_t index = i * source->size() / n;
        const Image photo = resize_short_side_center_crop(to_rgb(source->load(index)), size);
        char name[32];
        std::snprintf(name, sizeof name, "%05zu", index);
        if (kind == PairKind::Ascii) {
            const AsciiArt art = ascii_art(photo);
            write_png((out / (std::string(name) + ".png")).string(), combine_aligned(art.image, photo));
            std::ofstream(out / (std::string(name) + ".txt")) << art.text();
        } else {
            write_png((out / (std::string(name) + ".png")).string(),
                      combine_aligned(make_pair_image(photo, kind, palette_values), photo));
        }
    }
    std::cout << "data pairs: wrote " << n << " " << to_string(kind) << " pairs (A: " << to_string(kind)
              << ", B: original) to " << out.string() << std::endl;
    return 0;
}

}  // namespace

void add_data_command(CommandLine& cli) {
    Args& data = cli.add(nullptr, "data", "make pix2pix training folders (A|B images)");
    Args& c = cli.add(&data, "combine",
                      "pair DIR_A/NAME.* with DIR_B/NAME.* (same name, any extension) into OUT/NAME.png as A|B side by "
                      "side (B resized to A's size); names present on one side only are listed and nothing is written",
                      combine);
    c.text("a", "DIR", "the A images")->required();
    c.text("b", "DIR", "the B images")->required();
    c.text("out", "DIR", "where the A|B images go")->required();
    Args& p = cli.add(&data, "pairs",
                      "automatic pairs: OUT/NAME.png as derived|original (A|B); ASCII art also as OUT/NAME.txt", pairs);
    p.choice("kind", {"edges", "sketch", "ascii", "posterize"}, "what A is made from each image")->required();
    p.text("out", "DIR", "where the pairs go")->required();
    p.text("data", "emoji|DIR", "the originals (default emoji)");
    p.whole("size", "S", "image size (default 256)");
    p.whole("count", "N", "at most N pairs, spread over the data (default: all)");
    p.whole("palette-values", "N", "posterize: values per channel (default 4)");
}

}  // namespace ganscope
