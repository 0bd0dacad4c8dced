// Dataset: pages of the run's real training images beside the fakes, opened and decoded off the GL thread (the
// emoji set renders with FreeType; a folder decodes files).
#pragma once

#include <future>
#include <memory>
#include <utility>

#include "ml/dataset.h"
#include "viewer/modules/module.h"
#include "viewer/panels/dataset_panel.h"

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
    std::shared_ptr<ImageSource> m_source;  // opened lazily, off the GL thread
    std::future<std::pair<std::shared_ptr<ImageSource>, torch::Tensor>> m_page;
    DatasetPanel m_panel;
};

}  // namespace ganscope
