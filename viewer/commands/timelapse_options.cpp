// The timelapse options of commands that train (timelapse_options.h).
#include "viewer/commands/timelapse_options.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "render/video.h"

namespace ganscope {

std::unique_ptr<Recorder> start_timelapse(const Args& args, const Trainer& trainer) {
    if (!args.has("timelapse")) return nullptr;
    RecorderOptions options;
    options.video.path = args.get("timelapse");
    try {
        options.video.format = video_format_for_path(options.video.path);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--timelapse: ") + e.what());
    }
    options.video.fps = args.get_double("timelapse-fps", 10);
    if (!(options.video.fps > 0 && options.video.fps <= 240))
        throw UsageError("--timelapse-fps " + args.get("timelapse-fps") + ": use a rate in (0, 240]");
    options.every_steps = args.get_int64("every", 0);
    if (options.every_steps < 0) throw UsageError("--every " + args.get("every") + ": use a step count >= 1");
    return std::make_unique<Recorder>(trainer, options);
}

int timelapse_sample_every(const Args& args, int current) {
    if (!args.has("timelapse")) return current;
    const int64_t every = args.get_int64("every", 0);
    return every > 0 ? int(std::min<int64_t>(current, every)) : current;
}

}  // namespace ganscope
