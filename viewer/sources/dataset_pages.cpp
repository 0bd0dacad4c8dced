// Dataset pages read on this machine (see dataset_pages.h). Callers' threads, one page at a time per object.
#include "viewer/sources/dataset_pages.h"

#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

#include "ml/data/dataset.h"
#include "ml/models/task_factory.h"
#include "ml/data/tensor_image.h"

namespace ganscope {
namespace {

class LocalDatasetPages final : public DatasetPages {
public:
    explicit LocalDatasetPages(TrainConfig config) : m_config(std::move(config)) {}

    DatasetPage page(int page, int per_page, int columns) override {
        if (per_page < 1 || per_page > kMaxPerPage || columns < 1 || columns > kMaxPageColumns)
            throw std::invalid_argument("a page holds 1 to " + std::to_string(kMaxPerPage) + " images in 1 to " +
                                        std::to_string(kMaxPageColumns) + " columns");
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_source) m_source = make_source(m_config);
        DatasetPage out;
        out.description = m_source->description();
        out.images = int64_t(m_source->size());
        out.pages = int((out.images + per_page - 1) / per_page);
        if (page < 0) return out;
        if (page >= out.pages)
            throw std::out_of_range("page " + std::to_string(page + 1) + ": the dataset has " + std::to_string(out.pages) +
                                    " pages of " + std::to_string(per_page));
        auto transform = make_transform(m_config, false);
        std::mt19937 rng(1);
        std::vector<torch::Tensor> images;
        for (size_t i = size_t(page) * size_t(per_page); i < m_source->size() && images.size() < size_t(per_page); ++i) {
            try {
                images.push_back(transform(m_source->load(i), rng).target);
            } catch (const std::exception&) {
                // an unreadable file: the loader skips it too
            }
        }
        if (images.empty()) throw std::runtime_error("no readable images on page " + std::to_string(page + 1));
        out.grid = make_grid(torch::stack(images), columns, kDisplayPadding, kDisplayGutter).contiguous();
        return out;
    }

private:
    TrainConfig m_config;
    std::mutex m_mutex;
    std::shared_ptr<ImageSource> m_source;  // under m_mutex
};

}  // namespace

std::shared_ptr<DatasetPages> make_local_dataset_pages(TrainConfig config) {
    return std::make_shared<LocalDatasetPages>(std::move(config));
}

}  // namespace ganscope
