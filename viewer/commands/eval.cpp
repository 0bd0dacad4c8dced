// `ganscope eval`: the quality of a checkpoint (swd, fid, kid), or FID and KID between two image folders as
// pytorch-fid's command line computes them. With swd asked, `swd: X` is the last line. Main thread.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "ml/models/recipe.h"
#include "ml/train/device.h"
#include "ml/train/fid_quality.h"
#include "ml/train/quality.h"
#include "viewer/commands/commands.h"

namespace ganscope {

namespace {

std::set<std::string> parse_metrics(const std::string& text) {
    std::set<std::string> out;
    std::stringstream in(text);
    for (std::string name; std::getline(in, name, ',');) {
        if (name != "swd" && name != "fid" && name != "kid")
            throw UsageError("--metrics " + text + ": use a comma-separated list of swd, fid, kid");
        out.insert(name);
    }
    if (out.empty()) throw UsageError("--metrics: name at least one of swd, fid, kid");
    return out;
}

// The weights, or one line saying where they were looked for and where to get them.
FidOptions fid_options(const Args& args) {
    FidOptions o;
    std::string from;
    o.weights = fid_weights_path(args.get("fid-weights"), &from);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.weights, ec))
        throw std::runtime_error(fid_weights_missing(o.weights, from));
    o.images = args.get_int64("images", o.images);
    o.kid_subsets = args.get_int("kid-subsets", o.kid_subsets);
    o.kid_subset_size = args.get_int64("kid-subset-size", o.kid_subset_size);
    o.batch = args.get_int64("batch", o.batch);
    if (o.images < 2 || o.kid_subsets < 1 || o.kid_subset_size < 2 || o.batch < 1)
        throw UsageError("--images and --kid-subset-size must be at least 2, --kid-subsets and --batch at least 1");
    return o;
}

void print_fid(const std::set<std::string>& metrics, double fid, const KidResult& kid) {
    if (metrics.count("kid"))
        std::printf("kid: %.9g (std %.3g over %d subsets of %lld)\n", kid.mean, kid.std, kid.subsets,
                    static_cast<long long>(kid.subset_size));
    if (metrics.count("fid")) std::printf("fid: %.9g\n", fid);
}

// Two folders: every image directly in each, as pytorch-fid lists and reads them.
int eval_folders(const Args& args, const std::set<std::string>& metrics) {
    if (metrics.count("swd")) throw UsageError("--real/--fake compute fid and kid; swd needs a checkpoint");
    const FidOptions o = fid_options(args);
    const torch::Device device = resolve_device(args.get("device", "auto"));
    const auto t0 = std::chrono::steady_clock::now();
    FidFeatures features(load_fid_inception(o.weights, device), device, o.batch);
    const torch::Tensor real = features.of_folder(args.get("real"));
    const torch::Tensor fake = features.of_folder(args.get("fake"));
    std::printf("eval: %lld images in %s against %lld in %s on %s, Inception weights %s\n",
                static_cast<long long>(fake.size(0)), args.get("fake").c_str(), static_cast<long long>(real.size(0)),
                args.get("real").c_str(), device.str().c_str(), o.weights.c_str());
    const double fid = frechet_distance(feature_stats(real), feature_stats(fake));
    const KidResult kid =
        metrics.count("kid") ? kernel_inception_distance(real, fake, o.kid_subset_size, o.kid_subsets) : KidResult{};
    std::printf("metric time: %.2f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    print_fid(metrics, fid, kid);
    return 0;
}

int eval(const Args& args) {
    torch::set_num_threads(int(std::max(1u, std::thread::hardware_concurrency())));
    const std::set<std::string> metrics = parse_metrics(args.get("metrics", "swd"));
    const bool folders = !args.get("real").empty() || !args.get("fake").empty();
    if (folders && (args.get("real").empty() || args.get("fake").empty() || !args.get("checkpoint").empty()))
        throw UsageError("give --real DIR and --fake DIR together (two image folders), or --checkpoint FILE");
    if (folders) return eval_folders(args, metrics);
    if (args.get("checkpoint").empty()) throw UsageError("give --checkpoint FILE, or --real DIR and --fake DIR");

    std::optional<CheckpointFid> f;
    if (metrics.count("fid") || metrics.count("kid")) {
        f = evaluate_checkpoint_fid(args.get("checkpoint"), args.get("device", "auto"), fid_options(args));
        const TrainConfig& c = f->config;
        std::printf("eval: %s, %s %dx%d at step %lld on %s\n", args.get("checkpoint").c_str(), c.model.c_str(),
                    c.image_size, c.image_size, static_cast<long long>(f->step), f->device.c_str());
        if (!f->record.cache_path.empty())
            std::printf("fid/kid: %lld generated images (fixed latents) against %lld real ones; real features %s %s\n",
                        static_cast<long long>(f->record.images), static_cast<long long>(f->record.images),
                        f->record.reals_from_cache ? "read from" : "computed and cached in",
                        f->record.cache_path.c_str());
        else
            std::printf("fid/kid: validation pairs, %lld outputs against their targets\n",
                        static_cast<long long>(f->record.images));
        std::printf("fid metric time: %.2f s\n", f->record.seconds);
        if (!metrics.count("swd")) print_fid(metrics, f->record.fid, f->record.kid);
    }
    if (!metrics.count("swd")) return 0;
    const CheckpointQuality q =
        evaluate_checkpoint(args.get("checkpoint"), args.get("device", "auto"), args.get_int("swd-images", 0));
    const TrainConfig& c = q.config;
    std::printf("eval: %s, %s %dx%d at step %lld on %s", args.get("checkpoint").c_str(), c.model.c_str(), c.image_size,
                c.image_size, static_cast<long long>(q.step), q.device.c_str());
    if (c.model == "dcgan") std::printf(", recipe %s", recipe_of(c).c_str());
    std::printf("\n");
    if (q.images > 0)
        std::printf("%lld generated images (fixed latents) against %lld real ones; real descriptors %s %s\n",
                    static_cast<long long>(q.images), static_cast<long long>(q.images),
                    q.reals_from_cache ? "read from" : "computed and cached in", q.cache_path.c_str());
    else
        std::printf("validation pairs: outputs against their targets\n");
    std::printf("metric time: %.2f s\n", q.record.seconds);
    if (std::isfinite(q.record.val_l1)) std::printf("val_l1: %.5f\n", q.record.val_l1);
    if (f) print_fid(metrics, f->record.fid, f->record.kid);
    for (const auto& [resolution, value] : q.record.levels) std::printf("swd_%d: %.3f\n", resolution, value);
    std::printf("swd: %.3f\n", q.record.swd);
    return 0;
}

}  // namespace

void add_eval_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "eval",
                         "quality of a checkpoint (swd, fid, kid; with swd the last line is `swd: X`), or FID and KID "
                         "between two image folders (--real DIR --fake DIR, as pytorch-fid's command line)",
                         eval);
    args.text("checkpoint", "FILE", "a run's checkpoint.pt");
    args.text("metrics", "swd,fid,kid",
              "which metrics (default swd); fid and kid need pytorch-fid's Inception weights");
    args.text("real", "DIR", "real images (with --fake: FID and KID between two folders)");
    args.text("fake", "DIR", "generated images");
    args.text(
        "fid-weights", "FILE",
        "pytorch-fid's pt_inception-2015-12-05-6726825d.pth (default: $GANSCOPE_FID_WEIGHTS, else the config folder)");
    args.whole("images", "N", "fid/kid: generated and real images per side (default 512)");
    args.whole("kid-subsets", "N", "kid: random subsets averaged (default 100)");
    args.whole("kid-subset-size", "N", "kid: images per subset (default 1000, or the smaller set)");
    args.whole("batch", "N", "fid/kid: images per Inception batch (default 50)");
    args.text("device", "auto|cpu|cuda[:N]", "where to compute it (default auto)");
    args.whole("swd-images", "N", "images per side (default: the run's)");
}

}  // namespace ganscope
