// Latent-space videos: slerp through fixed keyframe latents, or a smooth random walk on the latent sphere,
// rendered by any generator into a VideoWriter. Call from one thread (the one that owns the generator).
// (ml/models/latent.h has the explorer's incremental LatentWalk and 1-D slerp_latent; a video needs a whole
// batch path, precomputed and row-wise, hence LatentPath and slerp_rows here.)
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <torch/torch.h>

#include "render/video.h"
#include "viewer/features/record/video_frames.h"

namespace ganscope {

enum class WalkKind { Interpolate, Random };
// "interp"/"interpolate" or "random"/"walk"; throws std::invalid_argument naming the value.
WalkKind parse_walk_kind(const std::string& text);

// Spherical interpolation of each row of a and b (N x L) at t in [0, 1]; falls back to lerp for
// (nearly) parallel rows.
torch::Tensor slerp_rows(const torch::Tensor& a, const torch::Tensor& b, double t);

struct WalkOptions {
    WalkKind kind = WalkKind::Interpolate;
    int count = 1;           // latents per frame (a grid when > 1)
    int frames = 150;        // video length in frames
    int keyframes = 6;       // Interpolate: fixed latents visited in a loop
    double speed = 0.04;     // Random: radians per frame along the latent sphere
    double smoothness = 0.95;  // Random: how much of the direction carries over per frame (0..1)
    uint64_t seed = 1;
};

// The latent path: deterministic from the options; frame i -> count x latent_dim on the CPU.
class LatentPath {
public:
    LatentPath(int latent_dim, WalkOptions options);
    int frames() const { return m_options.frames; }
    const torch::Tensor& at(int frame) const;  // count x L

private:
    WalkOptions m_options;
    std::vector<torch::Tensor> m_path;
};

using GenerateFn = std::function<torch::Tensor(const torch::Tensor& latents)>;  // N x L -> N x 3 x H x W

// Renders every frame of the walk through `generate` into `writer` (use QueueFull::Wait for no drops).
// Returns the frames pushed; stops early when the writer fails.
int64_t render_walk(const GenerateFn& generate, const LatentPath& walk, const FrameLayout& layout, VideoWriter& writer);

}  // namespace ganscope
