// NearestWorker (see nearest_worker.h). Public methods: GL thread; work(): the worker's thread.
#include "viewer/features/nearest/nearest_worker.h"

#include <chrono>

#include "ml/models/task_factory.h"

namespace ganscope {

NearestWorker::NearestWorker() : m_loop([this](Pending& taken) { work(taken); }) {}

NearestWorker::~NearestWorker() {
    m_cancel = true;
    m_loop.stop();
}

uint64_t NearestWorker::request(NearestRequest request) {
    return m_loop.post([&](Pending& p) {
        p.id = ++m_next_id;
        p.request = std::move(request);
        return p.id;
    });
}

namespace {
// The panel's index lives in the window's memory beside everything else: a set above this is left to the command.
constexpr int64_t kMaxIndexBytes = int64_t(4) << 30;
}  // namespace

void NearestWorker::work(Pending& taken) {
    try {
        answer(taken);
    } catch (const c10::Error& e) {
        NearestAnswer failed;
        failed.request = taken.id;
        failed.from = taken.request.from;
        const std::string what = e.what_without_backtrace();
        failed.error = what.substr(0, what.find('\n'));
        m_result.publish(std::move(failed));
    } catch (const std::exception& e) {
        NearestAnswer failed;
        failed.request = taken.id;
        failed.from = taken.request.from;
        failed.error = e.what();
        m_result.publish(std::move(failed));
    }
}

void NearestWorker::answer(const Pending& taken) {
    const NearestRequest& r = taken.request;
    using Clock = std::chrono::steady_clock;
    NearestAnswer out;
    out.request = taken.id;
    out.from = r.from;
    const std::string key = r.config.data + "|" + std::to_string(r.config.image_size) + "|" +
                            std::to_string(r.config.background.r) + "," + std::to_string(r.config.background.g) + "," +
                            std::to_string(r.config.background.b);
    if (!m_index || key != m_index_key) {
        const auto t0 = Clock::now();
        m_index.reset();
        auto source = make_source(r.config);
        const int64_t bytes = NearestIndex::bytes_for(int64_t(source->size()), r.config.image_size);
        if (bytes > kMaxIndexBytes)
            throw std::runtime_error(std::to_string(source->size()) + " training images at " +
                                     std::to_string(r.config.image_size) + "x" + std::to_string(r.config.image_size) +
                                     " need " + std::to_string(bytes >> 20) +
                                     " MB to search, more than the window keeps; `ganscope nearest --checkpoint F` "
                                     "searches them");
        m_index = std::make_unique<NearestIndex>(
            NearestIndex::build(*source, r.config.image_size, r.config.background, "", &m_cancel));
        m_typical = m_index->typical_distance();
        m_index_key = key;
        out.index_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    out.from_cache = m_index->from_cache();
    const auto t1 = Clock::now();
    torch::NoGradGuard no_grad;
    const auto found = m_index->query(r.image.unsqueeze(0), r.k);
    out.query_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
    out.matches = found.front();
    std::vector<torch::Tensor> images;
    for (const NearestMatch& m : out.matches) {
        out.names.push_back(m_index->name(m.index));
        images.push_back(m_index->image(m.index));
    }
    out.images = torch::stack(images);
    // The query as compared: resized to the training size like the index's images.
    torch::Tensor q = r.image.to(torch::kFloat32).unsqueeze(0);
    const int64_t side = m_index->image_size();
    if (q.size(2) != side || q.size(3) != side)
        q = torch::nn::functional::interpolate(
            q,
            torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{side, side}).mode(torch::kArea));
    out.query = q[0].clamp(-1, 1);
    out.index_size = m_index->size();
    out.image_size = int(side);
    out.typical = m_typical;
    m_result.publish(std::move(out));
}

}  // namespace ganscope
