// Video recording: streams RGB8 frames to an ffmpeg child (MP4 H.264, GIF) or to PNG files from a writer
// thread. Any thread may push; a full queue drops (live) or waits (offline), never blocks on ffmpeg itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ganscope {

// A plain RGB8 frame, row-major, width * height * 3 bytes: what the video writer and caption renderer take.
struct RgbFrame {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;

    RgbFrame() = default;
    RgbFrame(int w, int h, uint8_t fill = 0) : width(w), height(h), pixels(size_t(w) * h * 3, fill) {}
    uint8_t* at(int x, int y) { return pixels.data() + (size_t(y) * width + x) * 3; }
    const uint8_t* at(int x, int y) const { return pixels.data() + (size_t(y) * width + x) * 3; }
};

enum class VideoFormat { Mp4, Gif, PngSequence };
const char* to_string(VideoFormat format);
// ".mp4"/".m4v" -> Mp4, ".gif" -> Gif, a trailing '/' or no extension -> PngSequence (a folder).
// Throws std::invalid_argument naming the path for other extensions.
VideoFormat video_format_for_path(const std::string& path);

// What happens when the producer pushes faster than the encoder drains.
enum class QueueFull { Drop, Wait };

struct VideoOptions {
    std::string path;              // file (.mp4, .gif) or folder (PNG sequence)
    VideoFormat format = VideoFormat::Mp4;
    double fps = 30;
    int width = 0, height = 0;     // 0: taken from the first frame; other sizes are centred/cropped onto it
    int keyframe_interval = 0;     // MP4: frames between keyframes (= fragments); 0: one per second
    int crf = 20;                  // MP4: x264 quality (lower is better, 18-28 sensible)
    int encoder_threads = 2;       // MP4: x264 threads, kept low so encoding does not starve training
    int nice = 10;                 // ffmpeg's scheduling niceness (0: as the caller); encoding yields to training
    std::string ffmpeg = "ffmpeg"; // program name (looked up in PATH) or path
    size_t queue_frames = 8;       // frames buffered between producer and writer thread
    QueueFull when_full = QueueFull::Drop;
};

enum class VideoState { Recording, Finished, Failed };
const char* to_string(VideoState state);

struct VideoStatus {
    VideoState state = VideoState::Recording;
    int64_t frames_pushed = 0;    // accepted into the queue
    int64_t frames_written = 0;   // handed to ffmpeg / written as PNG
    int64_t frames_dropped = 0;   // refused because the queue was full or recording had stopped
    int width = 0, height = 0;    // the video's size once known (even for MP4)
    std::string path;
    std::string error;            // one line: why recording stopped; empty unless Failed
};

class VideoWriter {
public:
    // Never throws for run-time trouble (missing ffmpeg, unwritable path): the writer goes to Failed and
    // status().error says why. Throws std::invalid_argument for nonsensical options (fps <= 0, empty path).
    explicit VideoWriter(VideoOptions options);
    ~VideoWriter();  // finish()
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    // Copies the frame into the queue. Returns false when it was dropped (queue full under Drop, or the
    // writer has failed or finished). Never waits on ffmpeg under Drop.
    bool push(const uint8_t* rgb, int width, int height);
    bool push(const RgbFrame& frame) { return push(frame.pixels.data(), frame.width, frame.height); }

    // Writes what is queued, closes ffmpeg's input and waits for it to finish the file. Idempotent.
    // Returns the final status.
    VideoStatus finish();

    VideoStatus status() const;
    bool failed() const { return status().state == VideoState::Failed; }
    // The ffmpeg child's process id once started (0 before, and for PNG sequences); for tests and diagnostics.
    int child_pid() const { return m_child_pid.load(); }

private:
    void thread_main();
    bool start_ffmpeg(int width, int height);
    bool write_frame(const RgbFrame& frame);
    void close_ffmpeg();
    void fail(const std::string& message);
    std::string ffmpeg_error_tail() const;

    VideoOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;        // queue changed (either direction)
    std::deque<RgbFrame> m_queue;
    bool m_closing = false;
    bool m_finished = false;
    VideoStatus m_status;

    // Owned by the writer thread.
    int m_stdin_fd = -1;
    int m_stderr_fd = -1;
    std::thread m_stderr_thread;
    mutable std::mutex m_stderr_mutex;
    std::string m_stderr_text;           // ffmpeg's recent stderr (bounded), for error messages
    std::atomic<int> m_child_pid{0};
    std::thread m_thread;
};

}  // namespace ganscope
