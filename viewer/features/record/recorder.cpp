// Training timelapse recorder; see recorder.h. The recorder thread alone converts grids and feeds the writer.
#include "viewer/features/record/recorder.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

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

void Recorder::set_paused(bool paused) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_paused = paused;
}

RecorderStatus Recorder::status() const {
    RecorderStatus s;
    s.video = m_writer->status();
    std::lock_guard<std::mutex> lock(m_mutex);
    s.running = m_running && s.video.state == VideoState::Recording;
    s.last_step = m_last_step;
    s.grids_missed = m_grids_missed;
    s.paused = m_paused;
    s.warning = m_warning;
    return s;
}

void Recorder::thread_main() {
    // Recording is background work: let the trainer win any contest for a core (Linux: per-thread nice).
    ::setpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)), 10);
    uint64_t seen = 0;
    std::shared_ptr<const SampleGrid> grid, latest;
    int64_t passed_over = -1;  // the step of a grid taken while paused: never recorded after resuming
    for (;;) {
        bool stopping, paused;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait_for(lock, m_options.poll, [&] { return m_stop; });
            stopping = m_stop;
            paused = m_paused;
        }
        const uint64_t before = seen;
        // Every grid counts, those the trainer publishes by the clock between its step-cadence ones included: a
        // cadence finer than the run's sample_every is met by the first grid at or past each multiple of it.
        if (m_samples.fetch_if_newer(seen, grid) && grid) {
            if (latest && !paused && seen > before + 1) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_grids_missed += int64_t(seen - before - 1);
            }
            latest = grid;
            if (paused) passed_over = grid->step;
        }
        // When stopping, the newest grid goes in even if not yet due, so the file ends where training did.
        if (latest && latest->step > m_last_step && ((!paused && latest->step != passed_over) || stopping)) {
            const int64_t every = m_options.every_steps;
            const bool due = m_last_step < 0 || every <= 0 || latest->step >= (m_last_step / every + 1) * every;
            if (due || stopping) record(*latest);
        }
        if (stopping || m_writer->failed()) return;
    }
}

void Recorder::record(const SampleGrid& grid) {
    try {
        if (grid.ready) grid.ready->synchronize();  // the producing stream has finished writing the images
        std::shared_ptr<const TrainerStatus> status = m_trainer_status ? m_trainer_status->latest() : nullptr;
        FrameLayout layout = m_options.layout;
        if (layout.columns <= 0)  // pix2pix grids interleave input | output | target: keep triplets on a row
            layout.columns = default_columns(grid.images.size(0), status && status->config.image_to_image());
        RgbFrame frame = grid_to_frame(grid.images, layout);
        if (m_caption) {
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

std::string timelapse_summary(const RecorderStatus& s) {
    if (s.video.state == VideoState::Failed) return "timelapse: " + s.video.error;
    std::string line = "timelapse: " + std::to_string(s.video.frames_written) + " frames";
    if (s.video.width > 0)
        line += " of " + std::to_string(s.video.width) + "x" + std::to_string(s.video.height);
    line += " written to " + s.video.path;
    if (s.video.frames_dropped > 0) line += " (" + std::to_string(s.video.frames_dropped) + " dropped)";
    if (s.grids_missed > 0)
        line += " (" + std::to_string(s.grids_missed) + " grids skipped while the encoder was busy)";
    if (!s.warning.empty()) line += "; " + s.warning;
    return line;
}

}  // namespace ganscope
