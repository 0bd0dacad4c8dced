// Dataset pages, loaded on their own thread (see dataset_module.h). GL thread.
#include "viewer/features/dataset/dataset_module.h"

#include <algorithm>

namespace ganscope {

void DatasetModule::shutdown() {
    if (m_page.valid()) m_page.wait();
    m_texture = TensorTexture();
}

void DatasetModule::update(RunView& view, RunSource& run) {
    if (!m_pages && view.config) m_pages = run.dataset(*view.config);
    if (!m_page.valid() || m_page.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    DatasetModel& d = m_model;
    d.loading = false;
    try {
        const DatasetPage page = m_page.get();
        d.description = page.description;
        d.pages = page.pages;
        m_texture.update(page.grid, nullptr);  // tiled where it was read
        d.real = image_of(m_texture);
        d.error.clear();
    } catch (const std::exception& e) {
        d.error = e.what();
    }
}

void DatasetModule::request(RunView& view) {
    DatasetModel& d = m_model;
    if (d.page_request >= 0 && !d.loading && m_pages && view.image_size > 0) {
        d.page = d.page_request;
        d.page_request = -1;
        d.loading = true;
        d.per_page = std::min(m_fakes.count > 0 ? m_fakes.count : 64, kMaxPerPage);
        const int columns = std::min(m_fakes.columns > 0 ? m_fakes.columns : 8, kMaxPageColumns);
        m_page = std::async(std::launch::async, [pages = m_pages, page = d.page, per_page = d.per_page, columns] {
            return pages->page(page, per_page, columns);
        });
    } else if (d.page_request >= 0 && !view.config && view.status && view.status->state == TrainerState::Failed) {
        d.page_request = -1;
        d.error = "no dataset: the checkpoint could not be opened";
    }
}

}  // namespace ganscope
