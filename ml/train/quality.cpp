// The live quality metric (see quality.h). One caller at a time.
#include "ml/train/quality.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include "ml/run/checkpoint.h"
#include "ml/models/dcgan.h"
#include "ml/data/emoji.h"
#include "ml/models/task_factory.h"
#include "ml/data/real_images.h"
#include "ml/data/tensor_image.h"
#include "ml/run/cache_key.h"
#include "ml/train/device.h"

namespace ganscope {

double image_spread(const torch::Tensor& images) {
    if (!images.defined() || images.dim() != 4 || images.size(0) < 2) return std::nan("");
    torch::NoGradGuard no_grad;
    torch::Tensor x = images.to(torch::kFloat);
    const int64_t side = std::min<int64_t>(16, x.size(3));
    x = torch::adaptive_avg_pool2d(x, {side, side}).flatten(1);
    const int64_t n = x.size(0);
    // Mean over the n(n-1) ordered pairs of distinct images, scaled per value so sizes compare.
    const double sum = torch::cdist(x, x).sum().item<double>();
    return sum / double(n * (n - 1)) / std::sqrt(double(x.size(1)));
}

namespace {

constexpr uint64_t kPatchSeed = 0x9a7c4;
constexpr int64_t kBatch = 64;

}  // namespace

QualityMetric::QualityMetric(const TrainConfig& config, std::shared_ptr<const ImageSource> source, std::string cache_folder)
    : m_config(config), m_source(std::move(source)), m_cache_folder(std::move(cache_folder)) {
    if (m_cache_folder.empty()) m_cache_folder = cache_dir() + "/swd";
}

int64_t QualityMetric::image_count() const {
    if (!m_source) return 0;
    return std::min<int64_t>(m_config.swd_images, int64_t(m_source->size()));
}

void QualityMetric::prepare_reals(torch::Device device) {
    if (!m_source || m_source->size() == 0)
        throw std::invalid_argument("swd: no real images to compare with (an empty data source)");
    const int64_t count = image_count();
    const auto indices = spread_indices(m_source->size(), count);
    // What the descriptors depend on: the images chosen, how they are cropped, and the metric's options.
    std::string key = "swd-2|" + m_source->description() + "|" + std::to_string(m_source->size()) + "|size " +
                      std::to_string(m_config.image_size) + "|bg " + std::to_string(m_config.background.r) + "," +
                      std::to_string(m_config.background.g) + "," + std::to_string(m_config.background.b) + "|p " +
                      std::to_string(m_options.patch_size) + "x" + std::to_string(m_options.patches_per_image) +
                      "|min " + std::to_string(m_options.min_resolution) + "|n " + std::to_string(count);
    for (size_t i : indices) key += "|" + file_identity(m_source->name(i));  // an edited file is read again
    m_cache_path = m_cache_folder + "/reals-" + hex_hash(key) + ".pt";
    SwdDescriptors reals;
    m_from_cache = load_descriptors(m_cache_path, key, reals);
    if (!m_from_cache) {
        auto batch_of = [&](int64_t begin, int64_t end) {
            return read_real_images(*m_source, indices, begin, end, m_config.image_size, "swd");
        };
        reals = describe_images(count, kBatch, batch_of, m_options, kPatchSeed);
        try {
            save_descriptors(m_cache_path, key, reals);
        } catch (const std::exception&) {
            // an unwritable cache costs time at the next start, nothing else
        }
    }
    for (auto& level : reals.levels) level = level.to(device);
    m_reals = std::move(reals);
}

QualityRecord QualityMetric::evaluate(GanTask& task) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    QualityRecord record;
    SwdResult result;
    auto describe = [&](const torch::Tensor& images) {
        return describe_images(images.size(0), kBatch, [&](int64_t b, int64_t e) { return images.slice(0, b, e); },
                               m_options, kPatchSeed);
    };
    auto [outputs, targets] = task.validation_outputs();
    if (outputs.defined()) {
        // Image-to-image: outputs against the targets of the same inputs.
        record.val_l1 = (outputs - targets.to(outputs.device())).abs().mean().item<double>();
        if (m_reals.levels.empty()) m_reals = describe(targets);
        result = sliced_wasserstein(describe(outputs), m_reals, m_options);
    } else {
        if (m_config.image_size <= 0) throw std::invalid_argument("swd: the image size must be resolved first");
        if (m_reals.levels.empty()) prepare_reals(task.device());
        const int64_t count = m_reals.count() / m_options.patches_per_image;
        if (!m_latents.defined() || m_latents.size(0) != count)
            m_latents = make_fixed_latents(int(count), m_config.latent_dim, m_config.seed + 0x5d5d).to(task.device());
        auto batch_of = [&](int64_t begin, int64_t end) {
            torch::Tensor images = task.generate(m_latents.slice(0, begin, end));
            if (!images.defined()) throw std::invalid_argument("swd: this model does not generate from latents");
            return images;
        };
        result = sliced_wasserstein(describe_images(count, kBatch, batch_of, m_options, kPatchSeed), m_reals, m_options);
    }
    record.swd = result.mean;
    for (size_t i = 0; i < result.resolutions.size(); ++i) record.levels.emplace_back(result.resolutions[i], result.per_level[i]);
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return record;
}

double QualityMetric::real_floor(torch::Device device) {
    if (!m_source) throw std::invalid_argument("swd: the floor needs the training images");
    const int64_t count = image_count();
    if (int64_t(m_source->size()) < 2 * count) return std::nan("");
    torch::NoGradGuard no_grad;
    if (m_reals.levels.empty()) prepare_reals(device);
    // Every image the metric does not compare, then as many of them as it compares, spread the same way.
    const auto compared = spread_indices(m_source->size(), count);
    std::vector<size_t> rest;
    rest.reserve(m_source->size() - compared.size());
    for (size_t i = 0, next = 0; i < m_source->size(); ++i) {
        if (next < compared.size() && compared[next] == i)
            ++next;
        else
            rest.push_back(i);
    }
    std::vector<size_t> others;
    for (size_t k : spread_indices(rest.size(), count)) others.push_back(rest[k]);
    auto batch_of = [&](int64_t begin, int64_t end) {
        return read_real_images(*m_source, others, begin, end, m_config.image_size, "swd").to(device);
    };
    return sliced_wasserstein(describe_images(count, kBatch, batch_of, m_options, kPatchSeed), m_reals, m_options).mean;
}

CheckpointQuality evaluate_checkpoint(const std::string& path, const std::string& device_name, int swd_images) {
    const CheckpointMeta meta = read_checkpoint_meta(path);
    CheckpointQuality out;
    out.config = meta.config;
    out.step = meta.step;
    if (swd_images > 0) out.config.swd_images = swd_images;
    const torch::Device device = resolve_device(device_name);
    out.device = device.str();
    std::unique_ptr<GanTask> task = make_task(out.config, device);
    load_checkpoint(path, *task);
    std::shared_ptr<const ImageSource> source;
    if (!task->validation_outputs().first.defined()) source = make_source(out.config);
    QualityMetric metric(out.config, source);
    out.record = metric.evaluate(*task);
    out.images = metric.image_count();
    out.reals_from_cache = metric.reals_from_cache();
    out.cache_path = metric.cache_path();
    return out;
}

}  // namespace ganscope
