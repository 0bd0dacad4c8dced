// The live quality metric: the sliced Wasserstein distance (ml/train/swd.h) between images the generator
// draws from fixed latents and cached descriptors of real ones, or for image-to-image tasks between the
// validation outputs and their targets (with their L1). One caller at a time (the trainer thread in training).
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ml/config.h"
#include "ml/data/dataset.h"
#include "ml/models/gan_task.h"
#include "ml/train/swd.h"

namespace ganscope {

struct QualityRecord {
    double swd = std::numeric_limits<double>::quiet_NaN();  // mean over levels, x 1e3
    std::vector<std::pair<int, double>> levels;              // (resolution, swd x 1e3), finest first
    double val_l1 = std::numeric_limits<double>::quiet_NaN();  // image-to-image: mean |output - target|
    double seconds = 0;                                      // what this evaluation took
};

// The spread of a set of images: their mean pairwise L2 distance after an average pool to at most 16x16, per
// pixel value (N x 3 x H x W in [-1, 1], N >= 2; NaN for fewer). The collapse detector compares the fixed-latent
// samples' spread with a real batch's. No grad; any device.
double image_spread(const torch::Tensor& images);

class QualityMetric {
public:
    // `source`: the training images, read with the DCGAN transform (centre crop to config.image_size);
    // may be null for tasks with validation pairs. `cache_folder`: where real descriptors are kept
    // (empty: cache_dir()/swd).
    QualityMetric(const TrainConfig& config, std::shared_ptr<const ImageSource> source, std::string cache_folder = "");
    // Needs a resolved config (image_size > 0). Throws with a message naming what is missing.
    QualityRecord evaluate(GanTask& task);

    // The metric's floor: the same distance between the real descriptors and as many other real images (none of
    // the compared ones): what a generator drawing the training distribution exactly would score. NaN when the
    // set has fewer than twice image_count() images. Latent-space tasks' metric only (a source is needed).
    double real_floor(torch::Device device);

    // Where the real descriptors went or came from, and whether the last preparation read them from there.
    const std::string& cache_path() const { return m_cache_path; }
    bool reals_from_cache() const { return m_from_cache; }
    int64_t image_count() const;  // how many images each side compares
    const SwdOptions& options() const { return m_options; }

private:
    void prepare_reals(torch::Device device);

    TrainConfig m_config;
    std::shared_ptr<const ImageSource> m_source;
    std::string m_cache_folder, m_cache_path;
    SwdOptions m_options;
    bool m_from_cache = false;
    SwdDescriptors m_reals;  // on the task's device once prepared
    torch::Tensor m_latents;
};

// `ganscope eval --checkpoint F`: the metric of a checkpoint, its task rebuilt from the checkpoint's config on
// `device` ("auto", "cpu", "cuda[:N]"); swd_images > 0 overrides the config's count. Throws CheckpointError or
// DataError naming the file or folder.
struct CheckpointQuality {
    TrainConfig config;
    int64_t step = 0;
    std::string device;
    int64_t images = 0;        // generated and real images compared (0 for validation pairs)
    bool reals_from_cache = false;
    std::string cache_path;
    QualityRecord record;
};
CheckpointQuality evaluate_checkpoint(const std::string& path, const std::string& device = "auto", int swd_images = 0);

}  // namespace ganscope
