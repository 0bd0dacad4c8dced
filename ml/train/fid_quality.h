// FID and KID of a generator, as the field reports them: pytorch-fid's Inception features (ml/metrics/) of images
// the generator draws from fixed latents against real images of the data set (their features cached per data
// set), or for image-to-image tasks of the validation outputs against their targets. One caller at a time.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "ml/config.h"
#include "ml/data/dataset.h"
#include "ml/metrics/fid_kid.h"
#include "ml/metrics/inception_features.h"
#include "ml/models/gan_task.h"

namespace ganscope {

struct FidOptions {
    std::string weights;             // the Inception weights file (fid_weights_path)
    int64_t images = 512;            // generated and real images per side (a data set smaller than this: all of it)
    int64_t kid_subset_size = 1000;  // torch-fidelity's defaults; clamped to the sets' sizes
    int kid_subsets = 100;
    int64_t batch = 50;        // pytorch-fid's default batch
    std::string cache_folder;  // real features; empty: cache_dir()/fid
};

struct FidRecord {
    double fid = std::numeric_limits<double>::quiet_NaN();
    KidResult kid;
    int64_t images = 0;  // per side
    double seconds = 0;
    bool reals_from_cache = false;
    std::string cache_path;  // empty for validation pairs (nothing cached)
};

class FidMetric {
public:
    // `source`: the training images (centre-cropped to config.image_size as training sees them); may be null for
    // tasks with validation pairs. The weights are read at the first evaluation.
    FidMetric(const TrainConfig& config, std::shared_ptr<const ImageSource> source, FidOptions options);
    // Throws CheckpointError naming the weights file when it is damaged or another network's, std::exception for
    // other failures (no real images, a model that draws nothing).
    FidRecord evaluate(GanTask& task);

private:
    void prepare_reals(FidFeatures& features);

    TrainConfig m_config;
    std::shared_ptr<const ImageSource> m_source;
    FidOptions m_options;
    std::optional<FidFeatures> m_features;
    torch::Tensor m_real_features;  // N x 2048 on the CPU once prepared
    std::optional<FeatureStats> m_real_stats;
    bool m_from_cache = false;
    std::string m_cache_path;
    torch::Tensor m_latents;
};

// `ganscope eval --checkpoint F --metrics fid,kid`: the checkpoint's task rebuilt on `device`.
struct CheckpointFid {
    TrainConfig config;
    int64_t step = 0;
    std::string device;
    FidRecord record;
};
CheckpointFid evaluate_checkpoint_fid(const std::string& path, const std::string& device, const FidOptions& options);

}  // namespace ganscope
