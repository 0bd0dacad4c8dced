// Dataset pages, loaded on their own thread (see dataset_module.h). GL thread.
#include "viewer/modules/dataset_module.h"

#include <random>
#include <vector>

#include "ml/task_factory.h"
#include "ml/tensor_image.h"

namespace ganscope {

void DatasetModule::shutdown() {
    if (m_page.valid()) m_page.wait();
    m_texture = TensorTexture();
}

void DatasetModule::update(RunView&, RunSource&) {
    if (!m_page.valid() || m_page.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    DatasetModel& d = m_model;
    d.loading = false;
    try {
        auto [source, images] = m_page.get();
        m_source = source;
        d.description = source->description();
        d.pages = int((source->size() + size_t(d.per_page) - 1) / size_t(d.per_page));
        m_texture.update(images, nullptr);  // tiled on the loading thread
        d.real = image_of(m_texture);
        d.error.clear();
    } catch (const std::exception& e) {
        d.error = e.what();
    }
}

void DatasetModule::request(RunView& view) {
    DatasetModel& d = m_model;
    if (d.page_request >= 0 && !d.loading && view.config && view.image_size > 0) {
        d.page = d.page_request;
        d.page_request = -1;
        d.loading = true;
        d.per_page = m_fakes.count > 0 ? m_fakes.count : 64;
        TrainConfig config = *view.config;
        auto source = m_source;
        int page = d.page, per_page = d.per_page, columns = m_fakes.columns > 0 ? m_fakes.columns : 8;
        m_page = std::async(std::launch::async, [config, source, page, per_page, columns]() mutable {
            if (!source) source = make_source(config);
            auto transform = make_transform(config, false);
            std::mt19937 rng(1);
            std::vector<torch::Tensor> images;
            for (size_t i = size_t(page) * per_page; i < source->size() && images.size() < size_t(per_page); ++i) {
                try {
                    images.push_back(transform(source->load(i), rng).target);
                } catch (const std::exception&) {
                    // an unreadable file: the loader skips it too
                }
            }
            if (images.empty()) throw std::runtime_error("no readable images on page " + std::to_string(page + 1));
            return std::make_pair(source, grid_image(torch::stack(images), columns, kDisplayPadding));
        });
    } else if (d.page_request >= 0 && !view.config && view.status && view.status->state == TrainerState::Failed) {
        d.page_request = -1;
        d.error = "no dataset: the checkpoint could not be opened";
    }
}

}  // namespace ganscope
