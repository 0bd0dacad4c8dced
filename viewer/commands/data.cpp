// `ganscope data combine|pairs`: make pix2pix training folders (A|B images) from two folders or from a generator.
// Main thread.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml/paired_data.h"
#include "ml/pairs.h"
#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

const char* kDataHelp = R"(usage:
  ganscope data combine --a DIR --b DIR --out DIR
      pairs DIR_A/NAME.* with DIR_B/NAME.* (same name, any extension) and writes OUT/NAME.png as A|B side by side
      (B resized to A's size); names present on one side only are listed and nothing is written
  ganscope data pairs --kind edges|sketch|ascii|posterize --out DIR [--data emoji|DIR] [--size S] [--count N]
      [--palette-values N]
      automatic pairs: OUT/NAME.png as derived|original (A|B); ASCII art also as OUT/NAME.txt
)";

int combine(int argc, char** argv) {
    Args args(argc, argv, {}, {"a", "b", "out"});
    for (const char* required : {"a", "b", "out"})
        if (!args.has(required)) throw UsageError(std::string("data combine needs --") + required + "; see `ganscope data --help`");
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

int pairs(int argc, char** argv) {
    Args args(argc, argv, {}, {"kind", "out", "data", "size", "count", "palette-values"});
    if (!args.has("kind") || !args.has("out")) throw UsageError("data pairs needs --kind and --out; see `ganscope data --help`");
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

int run_data(int argc, char** argv) {
    const std::string sub = argc >= 2 ? argv[1] : "";
    if (sub == "combine") return combine(argc - 1, argv + 1);
    if (sub == "pairs") return pairs(argc - 1, argv + 1);
    if (sub == "--help" || sub == "help" || sub.empty()) {
        std::cout << kDataHelp;
        return sub.empty() ? 2 : 0;
    }
    throw UsageError("data " + sub + ": unknown; use `ganscope data combine` or `ganscope data pairs`");
}

}  // namespace ganscope
