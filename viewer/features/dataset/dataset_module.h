// Dataset: pages of the run's real training images beside the fakes, read off the GL thread where the data is
// (the source's DatasetPages: this machine's files or emoji set, or a served run's server).
#pragma once

#include <future>
#include <memory>
#include <utility>

#include "viewer/features/module.h"
#include "viewer/features/dataset/dataset_model.h"
#include "viewer/widgets/grid_model.h"
#include "viewer/features/dataset/dataset_panel.h"

namespace ganscope {

class DatasetModule : public Module {
public:
    explicit DatasetModule(const GridModel& fakes) : m_fakes(fakes) {}
    ~DatasetModule() override { shutdown(); }
    const char* title() const override { return "Dataset"; }
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model, m_fakes); }
    void request(RunView& view) override;
    void shutdown() override;

    const DatasetModel& model() const { return m_model; }
    DatasetModel& model() { return m_model; }
    const TensorTexture& texture() const { return m_texture; }

private:
    const GridModel& m_fakes;
    DatasetModel m_model;
    TensorTexture m_texture;
    std::shared_ptr<DatasetPages> m_pages;  // from the source once the run's config is known
    std::future<DatasetPage> m_page;
    DatasetPanel m_panel;
};

}  // namespace ganscope
