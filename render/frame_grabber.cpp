// Asynchronous GL read-back into a VideoWriter; see frame_grabber.h. GL thread only.
#include "render/frame_grabber.h"

#include <glad/gl.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace ganscope {

namespace {
constexpr size_t kRingSize = 3;  // a read-back is collected two captures later: long done by then

void check_gl(const char* what) {
    GLenum err = glGetError();
    if (err != GL_NO_ERROR)
        throw std::runtime_error(std::string("OpenGL error 0x") + std::to_string(err) + " in " + what +
                                 " while recording frames; is a GL context current on this thread?");
}
}  // namespace

struct FrameGrabber::Slot {
    GLuint pbo = 0;
    GLsync fence = nullptr;
    int width = 0, height = 0;
    size_t capacity = 0;
};

FrameGrabber::FrameGrabber(VideoWriter& writer, double fps) : m_writer(writer) {
    if (!(fps > 0)) throw std::invalid_argument("frame grabber fps must be positive, got " + std::to_string(fps));
    m_interval = 1.0 / fps;
    for (size_t i = 0; i < kRingSize; ++i) {
        auto* slot = new Slot;
        glGenBuffers(1, &slot->pbo);
        m_slots.push_back(slot);
    }
    check_gl("glGenBuffers");
}

FrameGrabber::~FrameGrabber() {
    for (Slot* slot : m_slots) {
        if (slot->fence) glDeleteSync(slot->fence);
        glDeleteBuffers(1, &slot->pbo);
        delete slot;
    }
}

bool FrameGrabber::collect(Slot& slot, bool wait) {
    if (!slot.fence) return true;
    GLenum state = glClientWaitSync(slot.fence, wait ? GL_SYNC_FLUSH_COMMANDS_BIT : 0,
                                    wait ? GLuint64(5'000'000'000) : 0);
    if (state == GL_TIMEOUT_EXPIRED && !wait) return false;
    glDeleteSync(slot.fence);
    slot.fence = nullptr;
    glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo);
    const size_t row = size_t(slot.width) * 3;
    const auto* data = static_cast<const uint8_t*>(
        glMapBufferRange(GL_PIXEL_PACK_BUFFER, 0, GLsizeiptr(row * size_t(slot.height)), GL_MAP_READ_BIT));
    if (data) {
        if (m_frame.width != slot.width || m_frame.height != slot.height) m_frame = RgbFrame(slot.width, slot.height);
        // GL rows run bottom-up; video rows top-down.
        for (int y = 0; y < slot.height; ++y)
            std::memcpy(m_frame.at(0, y), data + size_t(slot.height - 1 - y) * row, row);
        glUnmapBuffer(GL_PIXEL_PACK_BUFFER);
        m_writer.push(m_frame);
    }
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    check_gl("reading back a recorded frame");
    return true;
}

bool FrameGrabber::capture(int width, int height, double now_seconds) {
    // Hand over finished read-backs first, oldest first, without waiting.
    for (size_t i = 0; i < kRingSize; ++i)
        if (!collect(*m_slots[(m_next_slot + i) % kRingSize], false)) break;  // keep frames in order
    if (width <= 0 || height <= 0 || m_writer.failed()) return false;
    if (m_next_due >= 0 && now_seconds < m_next_due - 1e-6) return false;  // (rounding of summed intervals)
    Slot& slot = *m_slots[m_next_slot];
    if (slot.fence) {  // still in flight after kRingSize captures: skip rather than stall
        ++m_skipped;
        return false;
    }
    // Keep to the frame clock; after a long gap, restart it from now instead of bursting to catch up.
    m_next_due = (m_next_due < 0 || now_seconds - m_next_due > m_interval) ? now_seconds + m_interval
                                                                           : m_next_due + m_interval;
    const size_t bytes = size_t(width) * size_t(height) * 3;
    glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo);
    if (slot.capacity < bytes) {
        glBufferData(GL_PIXEL_PACK_BUFFER, GLsizeiptr(bytes), nullptr, GL_STREAM_READ);
        slot.capacity = bytes;
    }
    GLint alignment = 4;
    glGetIntegerv(GL_PACK_ALIGNMENT, &alignment);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, nullptr);  // into the PBO: returns at once
    glPixelStorei(GL_PACK_ALIGNMENT, alignment);
    slot.fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    check_gl("glReadPixels into a pixel buffer");
    slot.width = width;
    slot.height = height;
    m_next_slot = (m_next_slot + 1) % kRingSize;
    ++m_captured;
    return true;
}

void FrameGrabber::finish() {
    for (size_t i = 0; i < kRingSize; ++i) collect(*m_slots[(m_next_slot + i) % kRingSize], true);
}

}  // namespace ganscope
