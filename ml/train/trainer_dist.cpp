// Trainer::Impl's process group (see trainer_impl.h): joining it, rank 0's checkpoint sent to the others, a resume
// on another world size, the random streams of every rank, and commands agreed at step boundaries. The trainer
// thread.
#include <algorithm>
#include <cstring>
#include <iterator>

#include "ml/train/trainer_impl.h"

namespace ganscope {

torch::Device Trainer::Impl::dist_device(torch::Device d) const {
    return rank_device(d, owner.m_options.dist, d.is_cuda() ? int(torch::cuda::device_count()) : 0);
}

void Trainer::Impl::join_group() {
    dist = std::make_unique<DistGroup>(owner.m_options.dist, dist_device(resolve_device(config.device)));
    buckets = std::make_unique<GradientBuckets>(*dist);
    status.dist_backend = dist->backend_name();
}

std::string Trainer::Impl::share_checkpoint(const std::string& path) {
    std::string bytes;
    auto size = torch::full({1}, int64_t(-1), torch::kInt64);
    std::string error;
    if (lead()) {
        try {
            read_checkpoint_meta(path);  // the clear messages for a missing or damaged file
            std::ifstream in(path, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            size.fill_(int64_t(bytes.size()));
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
    dist->broadcast({size});
    if (!error.empty()) throw std::runtime_error(error);
    if (size.item<int64_t>() < 0)
        throw DistError("rank " + std::to_string(dist->rank()) + ": rank 0 could not read " + path + " (it says why)");
    auto buffer = torch::empty({size.item<int64_t>()}, torch::kUInt8);
    if (lead()) std::memcpy(buffer.data_ptr(), bytes.data(), bytes.size());
    dist->broadcast({buffer});
    return std::string(static_cast<const char*>(buffer.data_ptr()), size_t(buffer.numel()));
}

void Trainer::Impl::reshard(CheckpointMeta& meta, bool resume) {
    const int world = dist ? dist->world_size() : 1;
    config.world_size = world;
    if (!resume || meta.config.world_size == world) return;
    const int64_t consumed = meta.position.batch * int64_t(meta.config.batch_size) * meta.config.world_size;
    meta.position.batch = consumed / (int64_t(config.batch_size) * world);
    status.message = "warning: resuming a run of world size " + std::to_string(meta.config.world_size) + " with world size " +
                     std::to_string(world) + ": data continues from item " + std::to_string(consumed) + " of epoch " +
                     std::to_string(meta.position.epoch) + ", global batch now " + std::to_string(int64_t(config.batch_size) * world) +
                     ", so the run is no longer the same as an uninterrupted one";
}

void Trainer::Impl::restore_streams(const CheckpointMeta& meta) {
    if (meta.config.world_size != dist->world_size() || !meta.rank_streams.defined() ||
        !restore_rank_streams(*task, meta.rank_streams, dist->rank()))
        seed_rank_streams(*task, config.seed + uint64_t(step), dist->rank());
}

bool Trainer::Impl::agree(Commands& c, bool abandon) {
    if (lead() && (c.batch_size || c.revert)) {
        message("the batch size and revert cannot change while training on " + std::to_string(dist->world_size()) + " ranks");
        c.batch_size.reset();
        c.revert = false;
    }
    auto t = torch::zeros({8}, torch::kFloat64);
    if (lead()) {
        double* v = t.data_ptr<double>();
        v[0] = c.stop;
        v[1] = c.save;
        v[2] = c.run ? (*c.run ? 1 : 0) : -1;
        v[3] = c.steps;
        v[4] = c.lr ? 1 : 0;
        v[5] = c.lr ? c.lr->first : 0;
        v[6] = c.lr ? c.lr->second : 0;
        v[7] = abandon;
    }
    torch::Tensor on_device = t.to(device);
    dist->broadcast({on_device});
    if (lead()) return abandon;
    t = on_device.cpu();
    const double* v = t.data_ptr<double>();
    const bool weights = c.weights;
    c = Commands{};
    c.weights = weights;  // this rank's own snapshot requests stay its own
    c.stop = v[0] != 0;
    c.save = v[1] != 0;
    if (v[2] >= 0) c.run = v[2] > 0;
    c.steps = int(v[3]);
    if (v[4] != 0) c.lr = std::make_pair(v[5], v[6]);
    return v[7] != 0;
}

}  // namespace ganscope
