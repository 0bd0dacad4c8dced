// FID and KID of a generator against its data set (see fid_quality.h). One caller at a time.
#include "ml/train/fid_quality.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "ml/data/emoji.h"
#include "ml/data/real_images.h"
#include "ml/models/dcgan.h"
#include "ml/models/task_factory.h"
#include "ml/run/cache_key.h"
#include "ml/run/checked_archive.h"
#include "ml/run/checkpoint.h"
#include "ml/train/device.h"

namespace ganscope {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kLatentSeedOffset = 0xf1d;

bool load_features(const std::string& path, const std::string& key, torch::Tensor& out) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    try {
        torch::serialize::InputArchive archive = open_checked_archive(path, "FID feature cache");
        c10::IValue stored;
        if (!archive.try_read("key", stored) || !stored.isString() || stored.toStringRef() != key) return false;
        torch::Tensor features;
        archive.read("features", features);
        if (features.dim() != 2 || features.size(1) != kFidFeatures || !features.is_floating_point() ||
            !torch::isfinite(features).all().item<bool>())
            return false;
        out = features.to(torch::kFloat);
        return true;
    } catch (const std::exception&) {
        return false;  // damaged or from another version: computed again
    }
}

void save_features(const std::string& path, const std::string& key, const torch::Tensor& features) {
    torch::serialize::OutputArchive archive;
    archive.write("key", c10::IValue(key));
    archive.write("features", features);
    save_cache_archive(archive, path);  // an unwritable cache costs time at the next start, nothing else
}

}  // namespace

FidMetric::FidMetric(const TrainConfig& config, std::shared_ptr<const ImageSource> source, FidOptions options)
    : m_config(config), m_source(std::move(source)), m_options(std::move(options)) {
    if (m_options.cache_folder.empty()) m_options.cache_folder = cache_dir() + "/fid";
}

void FidMetric::prepare_reals(FidFeatures& features) {
    if (!m_source || m_source->size() == 0)
        throw std::invalid_argument("fid: no real images to compare with (an empty data source)");
    if (m_config.image_size <= 0) throw std::invalid_argument("fid: the image size must be resolved first");
    const int64_t count = std::min<int64_t>(m_options.images, int64_t(m_source->size()));
    const auto indices = spread_indices(m_source->size(), count);
    // The features depend on the images chosen (names, sizes, times), how they are cropped, and the weights.
    std::string key = "fid-1|" + m_source->description() + "|" + std::to_string(m_source->size()) + "|size " +
                      std::to_string(m_config.image_size) + "|bg " + std::to_string(m_config.background.r) + "," +
                      std::to_string(m_config.background.g) + "," + std::to_string(m_config.background.b) +
                      "|weights " + file_identity(m_options.weights) + "|n " + std::to_string(count);
    for (size_t i : indices) key += "|" + file_identity(m_source->name(i));
    m_cache_path = m_options.cache_folder + "/reals-" + hex_hash(key) + ".pt";
    m_from_cache = load_features(m_cache_path, key, m_real_features);
    if (m_from_cache && m_real_features.size(0) == count) return;
    m_from_cache = false;
    m_real_features = features.of(count, [&](int64_t begin, int64_t end) {
        return quantized_unit_range(read_real_images(*m_source, indices, begin, end, m_config.image_size, "fid"));
    });
    save_features(m_cache_path, key, m_real_features);
}

FidRecord FidMetric::evaluate(GanTask& task) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    if (!m_features)
        m_features.emplace(load_fid_inception(m_options.weights, task.device()), task.device(), m_options.batch);
    FidRecord record;
    torch::Tensor fake;
    auto [outputs, targets] = task.validation_outputs();
    if (outputs.defined()) {
        // Image-to-image: the validation outputs against their targets (the same every time: kept in memory).
        if (!m_real_features.defined()) m_real_features = m_features->of(quantized_unit_range(targets));
        fake = m_features->of(quantized_unit_range(outputs));
    } else {
        if (!m_real_features.defined()) prepare_reals(*m_features);
        const int64_t count = m_real_features.size(0);
        if (!m_latents.defined() || m_latents.size(0) != count)
            m_latents = make_fixed_latents(int(count), m_config.latent_dim, m_config.seed + kLatentSeedOffset);
        fake = m_features->of(count, [&](int64_t begin, int64_t end) {
            torch::Tensor images = task.generate(m_latents.slice(0, begin, end).to(task.device()));
            if (!images.defined()) throw std::invalid_argument("fid: this model does not generate from latents");
            return quantized_unit_range(images);
        });
        record.cache_path = m_cache_path;
        record.reals_from_cache = m_from_cache;
    }
    if (!m_real_stats) m_real_stats = feature_stats(m_real_features);
    record.images = fake.size(0);
    record.fid = frechet_distance(feature_stats(fake), *m_real_stats);
    record.kid = kernel_inception_distance(fake, m_real_features, m_options.kid_subset_size, m_options.kid_subsets);
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return record;
}

CheckpointFid evaluate_checkpoint_fid(const std::string& path, const std::string& device_name,
                                      const FidOptions& options) {
    const CheckpointMeta meta = read_checkpoint_meta(path);
    CheckpointFid out;
    out.config = meta.config;
    out.step = meta.step;
    const torch::Device device = resolve_device(device_name);
    out.device = device.str();
    std::unique_ptr<GanTask> task = make_task(out.config, device);
    load_checkpoint(path, *task);
    std::shared_ptr<const ImageSource> source;
    if (!task->validation_outputs().first.defined()) source = make_source(out.config);
    FidMetric metric(out.config, source, options);
    out.record = metric.evaluate(*task);
    return out;
}

}  // namespace ganscope
