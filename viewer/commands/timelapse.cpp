// `ganscope timelapse runs/NAME --out FILE`: a video after the fact from the run's history snapshots (the
// sample grid as each snapshot's generator drew it: fixed latents, or pix2pix validation triplets), or with
// --walk a latent walk. Main thread.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml/run/checked_archive.h"
#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/models/pix2pix.h"
#include "ml/models/task_factory.h"
#include "ml/run/history.h"
#include "ml/run/metrics.h"
#include "ml/train/device.h"
#include "render/caption.h"
#include "render/video.h"
#include "viewer/commands/commands.h"
#include "viewer/features/record/latent_walk.h"
#include "viewer/features/record/video_frames.h"

namespace ganscope {
namespace {
namespace fs = std::filesystem;

std::vector<StepMetrics> read_metrics(const std::string& run_dir) {
    std::vector<StepMetrics> records;
    std::ifstream in(run_dir + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
        try {
            records.push_back(StepMetrics::from_json(nlohmann::json::parse(line)));
        } catch (const std::exception&) {
            // a line cut short by a crash: skip it
        }
    }
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
    return records;
}

// The run's own fixed latents (written at its start), else the ones its seed makes.
torch::Tensor run_latents(const std::string& run_dir, const TrainConfig& config) {
    const std::string path = run_dir + "/fixed_latents.pt";
    if (fs::exists(path)) {
        try {
            return read_fixed_latents(path, config.grid_count, config.latent_dim);
        } catch (const std::exception& e) {
            std::cerr << "ganscope: " << e.what() << "; using the latents the run's seed makes" << std::endl;
        }
    }
    return make_fixed_latents(config.grid_count, config.latent_dim, config.seed);
}

torch::Device parse_device(const std::string& text) {
    try {
        return resolve_device(text.empty() ? "auto" : text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

// pix2pix: the validation items of the sample grid, from the run's checkpoint.
std::pair<torch::Tensor, torch::Tensor> run_validation(const std::string& run_dir, const TrainConfig& config) {
    const std::string path = run_dir + "/checkpoint.pt";
    std::unique_ptr<GanTask> task = make_task(config, torch::kCPU);
    load_checkpoint(path, *task);
    auto* pix2pix = dynamic_cast<Pix2PixTask*>(task.get());
    if (!pix2pix || !pix2pix->validation_inputs().defined() || pix2pix->validation_inputs().size(0) == 0)
        throw std::runtime_error(path + " holds no validation items for the pix2pix sample grid; train the run again");
    return {pix2pix->validation_inputs(), pix2pix->validation_targets()};
}

int finish(VideoWriter& writer, const std::string& what) {
    VideoStatus s = writer.finish();
    if (s.state == VideoState::Failed) {
        std::cerr << "ganscope: " << s.error << std::endl;
        return 1;
    }
    std::cout << what << ": " << s.frames_written << " frames of " << s.width << "x" << s.height << " written to "
              << s.path << std::endl;
    return 0;
}

int timelapse(const Args& args) {
    if (args.positionals().size() != 1) throw UsageError("give exactly one run folder; see `ganscope timelapse --help`");
    const std::string run_dir = args.positionals()[0];
    if (!fs::is_directory(run_dir)) throw UsageError("run folder '" + run_dir + "' does not exist");

    VideoOptions video;
    video.path = args.get("out");
    const std::string format = args.get("format");
    try {
        video.format = format.empty() ? video_format_for_path(video.path)
                       : format == "mp4" ? VideoFormat::Mp4
                       : format == "gif" ? VideoFormat::Gif
                                         : VideoFormat::PngSequence;
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--out: ") + e.what());
    }
    const bool walk = args.has("walk");
    video.fps = args.get_double("fps", walk ? 30 : 10);
    if (!(video.fps > 0 && video.fps <= 240)) throw UsageError("--fps " + args.get("fps") + ": use a rate in (0, 240]");
    video.ffmpeg = args.get("ffmpeg", "ffmpeg");
    video.when_full = QueueFull::Wait;  // offline: every frame counts, nobody else waits on us
    const torch::Device device = parse_device(args.get("device"));

    HistoryScrubber history(run_dir, device);
    if (history.entries().empty())
        throw std::runtime_error("run '" + run_dir + "' has no history snapshots in " + history_dir(run_dir) +
                                 ": train it with this version of ganscope (snapshots are kept each epoch or "
                                 "every --history-every steps)");
    const TrainConfig config = history.generator(history.entries().size() - 1).config();

    FrameLayout layout;
    layout.columns = args.get_int("columns", 0);
    const bool image_to_image = history.generator(history.entries().size() - 1).is_image_to_image();
    if (walk && image_to_image)
        throw UsageError("--walk needs a latent space: '" + run_dir + "' is an image-to-image (" + config.model + ") run");
    if (walk) {
        WalkOptions w;
        w.kind = parse_walk_kind(args.get("walk"));
        w.count = args.get_int("count", 1);
        w.frames = std::max(1, int(std::lround(args.get_double("seconds", 10) * video.fps)));
        w.keyframes = args.get_int("keyframes", 6);
        w.speed = args.get_double("speed", w.speed);
        w.seed = uint64_t(args.get_int64("seed", int64_t(config.seed)));
        if (w.count < 1 || w.count > 256) throw UsageError("--count " + args.get("count") + ": use 1 to 256");
        layout.width = args.get_int("resolution", 512);
        if (layout.width < 16 || layout.width > 8192) throw UsageError("--resolution: use 16 to 8192 pixels");
        const size_t index = args.has("snapshot") ? history.index_at_step(args.get_int64("snapshot", 0))
                                                  : history.entries().size() - 1;
        SnapshotGenerator& generator = history.generator(index);
        LatentPath path(generator.latent_dim(), w);
        VideoWriter writer(video);
        render_walk([&](const torch::Tensor& z) { return generator.generate(z); }, path, layout, writer);
        return finish(writer, "latent walk (snapshot of step " + std::to_string(generator.step()) + ")");
    }

    // What the sample grid is made from: fixed latents (DCGAN) or validation inputs and targets (pix2pix).
    torch::Tensor latents, targets;
    if (image_to_image) std::tie(latents, targets) = run_validation(run_dir, config);
    else latents = run_latents(run_dir, config);
    const int count = args.get_int("count", int(latents.size(0)));
    if (count < 1 || count > latents.size(0))
        throw UsageError("--count " + std::to_string(count) + ": the run has " + std::to_string(latents.size(0)) +
                         (image_to_image ? " validation items" : " fixed latents"));
    latents = latents.narrow(0, 0, count).to(device);
    if (image_to_image) {
        targets = targets.narrow(0, 0, count).to(device);
        // input | output | target triplets kept together on each row.
        if (layout.columns <= 0) layout.columns = default_columns(3 * int64_t(count), true);
    }
    layout.width = args.get_int("width", 0);
    layout.min_width = 512;
    std::unique_ptr<CaptionRenderer> caption;
    if (!args.has("no-caption")) caption = std::make_unique<CaptionRenderer>(args.get_int("caption-size", 14));
    const std::vector<StepMetrics> metrics = read_metrics(run_dir);

    VideoWriter writer(video);
    for (size_t i = 0; i < history.entries().size() && !writer.failed(); ++i) {
        torch::Tensor images = history.render(i, latents);
        if (image_to_image) images = torch::stack({latents, images, targets}, 1).flatten(0, 1);
        RgbFrame frame = grid_to_frame(images, layout);
        if (caption) {
            const int64_t step = history.entries()[i].step;
            const StepMetrics* m = metrics_at_step(metrics, step);
            frame = caption->with_caption(frame, caption_lines(step, m ? m->epoch : 0, m && m->step > 0 ? m : nullptr));
        }
        writer.push(frame);
    }
    return finish(writer, "timelapse of " + std::to_string(history.entries().size()) + " snapshots");
}

}  // namespace

void add_timelapse_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "timelapse",
                         "a video of a run's history snapshots (the sample grid as each drew it), or with --walk a "
                         "latent walk through one snapshot", timelapse);
    args.positional("runs/NAME", "the run folder")->required();
    args.text("out", "FILE.mp4|FILE.gif|FOLDER/", "the video: H.264 MP4, GIF, or a folder of PNG frames")->required();
    args.choice("format", {"mp4", "gif", "png"}, "override the format the --out name implies");
    args.number("fps", "F", "frames per second (default 10; 30 for --walk)");
    args.whole("count", "N", "grid cells (default: every fixed latent); with --walk: walks side by side (default 1)");
    args.whole("columns", "C", "grid columns (default: near square)");
    args.whole("width", "W", "frame width in pixels (default: the grid's own, at least 512)");
    args.flag("no-caption", "no step/epoch/loss caption under each frame");
    args.whole("caption-size", "PX", "caption text size (default 14)");
    args.text("device", "cpu|cuda[:N]", "where the generator runs (default: a GPU if there is one)");
    args.text("ffmpeg", "PATH", "the ffmpeg to encode with (default: ffmpeg on PATH)");
    args.choice("walk", {"interp", "random"}, "a latent walk instead: through keyframes (interp) or a random walk");
    args.number("seconds", "S", "--walk: length (default 10)");
    args.whole("resolution", "W", "--walk: frame width in pixels (default 512)");
    args.whole("keyframes", "K", "--walk interp: keyframes (default 6)");
    args.number("speed", "X", "--walk random: step size");
    args.whole("seed", "N", "--walk: random seed (default: the run's)");
    args.whole("snapshot", "STEP", "--walk: the history snapshot nearest this step (default: the last)");
}

}  // namespace ganscope
