// The explorer model's latent math: the current latent from its base, offsets and pad. GL thread only.
#include "viewer/features/latent/latent_models.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ml/models/latent.h"

namespace ganscope {

std::vector<std::string> explorer_direction_names(const ExplorerModel& e) {
    std::vector<std::string> names;
    int random = e.random_directions.defined() ? int(e.random_directions.size(0)) : 0;
    int pca = e.pca_directions.defined() ? int(e.pca_directions.size(0)) : 0;
    for (int i = 0; i < random; ++i) names.push_back("random " + std::to_string(i + 1));
    for (int i = 0; i < pca; ++i) names.push_back("PC " + std::to_string(i + 1));
    return names;
}

namespace {
torch::Tensor direction(const ExplorerModel& e, int index) {
    int random = e.random_directions.defined() ? int(e.random_directions.size(0)) : 0;
    if (index < random) return e.random_directions[index];
    index -= random;
    if (e.pca_directions.defined() && index < e.pca_directions.size(0)) return e.pca_directions[index];
    return {};
}
}  // namespace

torch::Tensor explorer_latent(const ExplorerModel& e) {
    if (!e.base.defined()) return {};
    auto z = e.base.clone();
    for (size_t i = 0; i < e.random_offsets.size() && e.random_directions.defined(); ++i)
        if (e.random_offsets[i] != 0) z += e.random_directions[int64_t(i)] * e.random_offsets[i];
    for (size_t i = 0; i < e.pca_offsets.size() && e.pca_directions.defined(); ++i)
        if (e.pca_offsets[i] != 0) z += e.pca_directions[int64_t(i)] * e.pca_offsets[i];
    for (int k = 0; k < 2; ++k) {
        auto d = direction(e, e.pad_axes[k]);
        if (d.defined() && e.pad[k] != 0) z += d * e.pad[k];
    }
    return truncate_latent(z, e.truncation);
}

void explore_latent(ExplorerModel& e, const torch::Tensor& latent, const std::string& from) {
    e.base = latent.to(torch::kCPU, torch::kFloat32).clone();
    std::fill(e.random_offsets.begin(), e.random_offsets.end(), 0.0f);
    std::fill(e.pca_offsets.begin(), e.pca_offsets.end(), 0.0f);
    e.pad[0] = e.pad[1] = 0;
    e.truncation = 1.0f;  // the explorer shows the latent it was given
    ++e.revision;
    e.message = "exploring " + from;
}

torch::Tensor interpolation_frame_latent(const InterpolationModel& m, int frame) {
    if (!m.a.defined() || !m.b.defined()) return {};
    const int frames = std::max(2, m.frames);
    const double t = double(std::clamp(frame, 0, frames - 1)) / double(frames - 1);
    return m.spherical ? slerp_latent(m.a, m.b, t) : lerp_latent(m.a, m.b, t);
}

}  // namespace ganscope
