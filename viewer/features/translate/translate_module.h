// Translate (pix2pix runs): a canvas the user draws on or loads an image into, translated as they draw by the
// run's generator (the trainer's newest weights, an opened checkpoint's, or a served run's, on its server) on the
// TranslateWorker's thread (latest wins); load, open and save; files dropped on the window load into the canvas.
#pragma once

#include <memory>
#include <string>

#include "ml/data/image.h"
#include "render/gl_context.h"
#include "viewer/features/module.h"
#include "viewer/features/translate/translate_model.h"
#include "viewer/features/translate/translate_panel.h"
#include "viewer/features/translate/translate_worker.h"

namespace ganscope {

class TranslateModule : public Module {
public:
    // context: the window, for the drop callback (null: none); checkpoint: the file an --open window opens.
    void attach(GlContext* context, std::string checkpoint) {
        m_context = context;
        m_checkpoint = std::move(checkpoint);
    }
    ~TranslateModule() override { shutdown(); }
    const char* title() const override { return "Translate"; }
    bool shown(const RunView&) const override { return m_model.active; }
    void on_run_known(RunView& view, const TrainerStatus& status) override;
    void update(RunView& view, RunSource& run) override;
    void draw(RunView&) override { m_panel.draw(m_model); }
    void request(RunView& view) override;
    void shutdown() override;

    // The newest generator weights of an image-to-image run that trains (or is followed) live.
    void set_weights(std::shared_ptr<const WeightsSnapshot> weights);
    TranslateModel& model() { return m_model; }
    const TranslateModel& model() const { return m_model; }
    TranslateWorker* worker() { return m_worker.get(); }
    const TensorTexture& output_texture() const { return m_output_texture; }

private:
    GlContext* m_context = nullptr;
    std::string m_checkpoint;
    TranslateModel m_model;
    std::unique_ptr<TranslateWorker> m_worker;
    TensorTexture m_canvas_texture, m_output_texture;
    uint64_t m_seen_info = 0, m_seen_result = 0, m_seen_loaded = 0;
    uint64_t m_sent_canvas = ~0ull, m_uploaded_canvas = ~0ull;
    bool m_remote = false;             // the server's model translates (a served run, with the token)
    int64_t m_remote_snapshots = -1;   // the server's snapshot count the last request was sent after
    Image m_output;  // the shown output, for saving
    TranslatePanel m_panel;
};

}  // namespace ganscope
