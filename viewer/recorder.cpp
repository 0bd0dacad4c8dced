// Training timelapse recorder; see recorder.h. The recorder thread alone converts grids and feeds the writer.
#include "viewer/recorder.h"

namespace ganscope {

Recorder::Recorder(const LatestSlot<SampleGrid>& samples, const LatestSlot<TrainerStatus>* status,
                   RecorderOptions options)
    : m_samples(samples), m_trainer_status(status), m_options(std::move(options)) {
    // The recorder thread may wait for room in the queue: it only falls behind (and skips grids, latest
    // wins), the trainer does not notice.
    m_options.video.when_full = QueueFull::Wait;
    m_writer = std::make_unique<VideoWriter>(m_options.video);
    if (m_options.caption) {
        try {
            m_caption = std::make_unique<CaptionRenderer>(m_options.caption_px);
        } catch (const std::exception& e) {
            m_warning = std::string("recording without captions: ") + e.what();
        }
    }
    if (m_writer->failed()) {
        m_running = false;
        return;
    }
    m_thread = std::thread([this] { thread_main(); });
}

Recorder::~Recorder() { stop(); }

RecorderStatus Recorder::stop() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    m_writer->finish();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_running = false;
    }
    return status();
}

RecorderStatus Recorder::status() const {
    RecorderStatus s;
    s.video = m_writer->status();
    std::lock_guard<std::mutex> lock(m_mutex);
    s.running = m_running && s.video.state == VideoState::Recording;
    s.last_step = m_last_step;
    s.warning = m_warning;
    return s;
}

void Recorder::thread_main() {
    uint64_t seen = 0;
    std::shared_ptr<const SampleGrid> grid, latest;
    for (;;) {
        bool stopping;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait_for(lock, m_options.poll, [&] { return m_stop; });
            stopping = m_stop;
        }
        if (m_samples.fetch_if_newer(seen, grid) && grid) latest = grid;
        // When stopping, the newest grid goes in even if not yet due, so the file ends where training did.
        if (latest && latest->step > m_last_step) {
            const bool due = m_last_step < 0 || m_options.every_steps <= 0 ||
                             latest->step - m_last_step >= m_options.every_steps;
            if (due || stopping) record(*latest);
        }
        if (stopping || m_writer->failed()) return;
    }
}

void Recorder::record(const SampleGrid& grid) {
    try {
        if (grid.ready) grid.ready->synchronize();  // the producing stream has finished writing the images
        RgbFrame frame = grid_to_frame(grid.images, m_options.layout);
        if (m_caption) {
            std::shared_ptr<const TrainerStatus> status = m_trainer_status ? m_trainer_status->latest() : nullptr;
            const StepMetrics* metrics = status && status->last.step > 0 ? &status->last : nullptr;
            frame = m_caption->with_caption(frame, caption_lines(grid.step, grid.epoch, metrics));
        }
        m_writer->push(frame);
        std::lock_guard<std::mutex> lock(m_mutex);
        m_last_step = grid.step;
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_last_step = grid.step;  // not retried: the next grid will do
        m_warning = std::string("a frame could not be made: ") + e.what();
    }
}

}  // namespace ganscope
