// Records what GL draws (the window, or any bound framebuffer) into a VideoWriter at a chosen frame rate,
// reading pixels back asynchronously through a ring of pixel-buffer objects so the GL thread never waits on
// the GPU. GL thread only, with its context current (constructor, capture, finish and destructor).
#pragma once

#include <cstdint>
#include <vector>

#include "render/video.h"

namespace ganscope {

class FrameGrabber {
public:
    // `fps`: capture rate; capture() calls closer together than 1/fps are skipped (cheaply).
    FrameGrabber(VideoWriter& writer, double fps);
    ~FrameGrabber();  // releases the buffers (call finish() first to keep the last frames)
    FrameGrabber(const FrameGrabber&) = delete;
    FrameGrabber& operator=(const FrameGrabber&) = delete;

    // After drawing a frame (before swapping buffers): starts reading the read framebuffer's (0, 0, width,
    // height) into the next buffer when a frame is due at `now_seconds`, and hands any earlier read-back
    // whose GPU work is done to the writer. Returns true when a read-back was started.
    bool capture(int width, int height, double now_seconds);
    // Waits for the read-backs still in flight and hands them to the writer (end of recording).
    void finish();

    int64_t frames_captured() const { return m_captured; }
    int64_t frames_skipped_busy() const { return m_skipped; }  // no free buffer: the GPU lags far behind

private:
    struct Slot;
    bool collect(Slot& slot, bool wait);

    VideoWriter& m_writer;
    double m_interval;
    double m_next_due = -1;
    std::vector<Slot*> m_slots;
    size_t m_next_slot = 0;
    int64_t m_captured = 0, m_skipped = 0;
    RgbFrame m_frame;  // reused for the vertical flip
};

}  // namespace ganscope
