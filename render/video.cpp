// Video recording through an ffmpeg child process or PNG files; see video.h. The writer thread alone
// talks to ffmpeg; producers only copy frames into a bounded queue.
#include "render/video.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <stb_image_write.h>

extern char** environ;

namespace ganscope {
namespace fs = std::filesystem;

const char* to_string(VideoFormat format) {
    switch (format) {
        case VideoFormat::Mp4: return "mp4";
        case VideoFormat::Gif: return "gif";
        case VideoFormat::PngSequence: return "png";
    }
    return "?";
}

const char* to_string(VideoState state) {
    switch (state) {
        case VideoState::Recording: return "recording";
        case VideoState::Finished: return "finished";
        case VideoState::Failed: return "failed";
    }
    return "?";
}

VideoFormat video_format_for_path(const std::string& path) {
    if (path.empty()) throw std::invalid_argument("video path is empty: give a .mp4 or .gif file or a folder/");
    if (path.back() == '/') return VideoFormat::PngSequence;
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (ext == ".mp4" || ext == ".m4v") return VideoFormat::Mp4;
    if (ext == ".gif") return VideoFormat::Gif;
    if (ext.empty()) return VideoFormat::PngSequence;
    throw std::invalid_argument("unsupported video file '" + path +
                                "': use .mp4, .gif, or a folder (trailing '/') for a PNG sequence");
}

namespace {

// Where the program would be executed from, or empty when it cannot be found / is not executable.
std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

// Checks the output can be created before anything starts; returns a one-line reason or empty.
std::string check_output(const VideoOptions& o) {
    fs::path path(o.path);
    std::error_code ec;
    if (o.format == VideoFormat::PngSequence) {
        fs::create_directories(path, ec);
        if (ec || !fs::is_directory(path))
            return "cannot create frame folder '" + o.path + "': " + (ec ? ec.message() : "not a folder") +
                   "; choose a writable location";
        if (::access(o.path.c_str(), W_OK) != 0)
            return "frame folder '" + o.path + "' is not writable: " + std::strerror(errno);
        return {};
    }
    if (fs::is_directory(path, ec)) return "video path '" + o.path + "' is a folder; give a file name";
    if (fs::exists(path, ec) && ::access(o.path.c_str(), W_OK) == 0) return {};  // overwritable file (or device)
    fs::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    if (!fs::is_directory(dir, ec))
        return "cannot write video '" + o.path + "': folder '" + dir.string() + "' does not exist";
    if (::access(dir.c_str(), W_OK) != 0)
        return "cannot write video '" + o.path + "': folder '" + dir.string() + "' is not writable (" +
               std::strerror(errno) + ")";
    return {};
}

// Copies `src` centred onto a canvas of the video's size (black borders, or cropped when larger).
RgbFrame fit_frame(const RgbFrame& src, int width, int height) {
    if (src.width == width && src.height == height) return src;
    RgbFrame dst(width, height, 0);
    int ox = (width - src.width) / 2, oy = (height - src.height) / 2;
    int x0 = std::max(0, ox), y0 = std::max(0, oy);
    int x1 = std::min(width, ox + src.width), y1 = std::min(height, oy + src.height);
    for (int y = y0; y < y1; ++y)
        std::memcpy(dst.at(x0, y), src.at(x0 - ox, y - oy), size_t(x1 - x0) * 3);
    return dst;
}

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status));
    return "ended abnormally";
}

// ffmpeg's last two non-empty stderr lines joined into one: its final line alone is often boilerplate
// ("Error initializing output stream") while the cause ("No space left on device") comes just before.
std::string last_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r-");
        if (b == std::string::npos || e == std::string::npos || e < b) continue;
        line = line.substr(b, e - b + 1);
        if (line == "Conversion failed!") continue;
        lines.push_back(line);
    }
    if (lines.empty()) return {};
    if (lines.size() == 1) return lines.back();
    return lines[lines.size() - 2] + "; " + lines.back();
}

}  // namespace

VideoWriter::VideoWriter(VideoOptions options) : m_options(std::move(options)) {
    if (m_options.path.empty()) throw std::invalid_argument("video path is empty: give a .mp4/.gif file or a folder");
    if (!(m_options.fps > 0) || !std::isfinite(m_options.fps))
        throw std::invalid_argument("video fps must be positive, got " + std::to_string(m_options.fps));
    if (m_options.queue_frames == 0) m_options.queue_frames = 1;
    m_status.path = m_options.path;

    std::string problem = check_output(m_options);
    if (problem.empty() && m_options.format != VideoFormat::PngSequence && find_program(m_options.ffmpeg).empty())
        problem = "ffmpeg not found ('" + m_options.ffmpeg +
                  "'): install ffmpeg (apt install ffmpeg) or point to its binary; recording is off";
    if (!problem.empty()) {
        m_status.state = VideoState::Failed;
        m_status.error = problem;
        m_finished = true;
        return;
    }
    m_thread = std::thread([this] { thread_main(); });
}

VideoWriter::~VideoWriter() { finish(); }

bool VideoWriter::push(const uint8_t* rgb, int width, int height) {
    if (!rgb || width <= 0 || height <= 0) return false;
    std::unique_lock<std::mutex> lock(m_mutex);
    auto refused = [&] {
        ++m_status.frames_dropped;
        return false;
    };
    if (m_status.state != VideoState::Recording || m_closing) return refused();
    if (m_queue.size() >= m_options.queue_frames) {
        if (m_options.when_full == QueueFull::Drop) return refused();
        m_cv.wait(lock, [&] {
            return m_queue.size() < m_options.queue_frames || m_status.state != VideoState::Recording || m_closing;
        });
        if (m_status.state != VideoState::Recording || m_closing) return refused();
    }
    lock.unlock();
    // Copy outside the lock so the writer thread is never held up by a large memcpy.
    RgbFrame frame(width, height);
    std::memcpy(frame.pixels.data(), rgb, frame.pixels.size());
    lock.lock();
    if (m_status.state != VideoState::Recording) return refused();
    m_queue.push_back(std::move(frame));
    ++m_status.frames_pushed;
    m_cv.notify_all();
    return true;
}

VideoStatus VideoWriter::finish() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closing = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    std::lock_guard<std::mutex> lock(m_mutex);
    m_finished = true;
    if (m_status.state == VideoState::Recording) m_status.state = VideoState::Finished;
    return m_status;
}

VideoStatus VideoWriter::status() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_status;
}

void VideoWriter::fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_status.state == VideoState::Failed) return;
    m_status.state = VideoState::Failed;
    m_status.error = message;
    m_status.frames_dropped += int64_t(m_queue.size());
    m_queue.clear();
    m_cv.notify_all();
}

void VideoWriter::thread_main() {
    // A write into a pipe whose reader died raises SIGPIPE in the writing thread; blocked here, the write
    // fails with EPIPE instead and the rest of the process never sees the signal.
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

    bool started = false;
    int width = m_options.width, height = m_options.height;
    for (;;) {
        RgbFrame frame;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait(lock, [&] { return !m_queue.empty() || m_closing; });
            if (m_queue.empty()) break;  // closing and drained
            frame = std::move(m_queue.front());
            m_queue.pop_front();
            m_cv.notify_all();  // room for a waiting producer
            if (m_status.state == VideoState::Failed) continue;
        }
        if (!started) {
            if (width <= 0 || height <= 0) width = frame.width, height = frame.height;
            if (m_options.format == VideoFormat::Mp4) width += width & 1, height += height & 1;  // yuv420p
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_status.width = width;
                m_status.height = height;
            }
            started = true;
            if (m_options.format != VideoFormat::PngSequence && !start_ffmpeg(width, height)) continue;
        }
        if (!write_frame(fit_frame(frame, width, height))) continue;
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_status.frames_written;
    }
    close_ffmpeg();
    // Swallow a SIGPIPE left pending by a failed write so it is not delivered if the mask is ever lifted.
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
}

bool VideoWriter::start_ffmpeg(int width, int height) {
    const VideoOptions& o = m_options;
    char fps[32];
    std::snprintf(fps, sizeof fps, "%.6g", o.fps);
    std::vector<std::string> args = {o.ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error",
                                      "-f", "rawvideo", "-pix_fmt", "rgb24",
                                      "-video_size", std::to_string(width) + "x" + std::to_string(height),
                                      "-framerate", fps, "-i", "pipe:0", "-an"};
    if (o.format == VideoFormat::Mp4) {
        int keyframes = o.keyframe_interval > 0 ? o.keyframe_interval : std::max(1, int(std::lround(o.fps)));
        // Fragmented MP4: a moof+mdat per keyframe, no trailing index needed, so a file cut off at any
        // point plays up to its last complete fragment.
        for (const char* a : {"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"}) args.push_back(a);
        args.insert(args.end(), {"-crf", std::to_string(o.crf), "-g", std::to_string(keyframes),
                                 "-threads", std::to_string(std::max(1, o.encoder_threads)),
                                 "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
                                 // Hand each finished fragment to the kernel at once rather than
                                 // keeping it in ffmpeg's 32 KiB output buffer, where a crash would lose it.
                                 "-flush_packets", "1", "-f", "mp4"});
    } else {
        // Palette per frame (stats_mode=single + new=1): optimised colours without ffmpeg holding the
        // whole clip in memory, which a global palette would need.
        args.insert(args.end(), {"-vf",
                                 "split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1:dither=sierra2_4a",
                                 "-loop", "0", "-f", "gif"});
    }
    args.insert(args.end(), {"-y", o.path});

    int in_pipe[2], err_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
        fail(std::string("cannot create a pipe for ffmpeg: ") + std::strerror(errno));
        return false;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(in_pipe[0]), ::close(in_pipe[1]);
        fail(std::string("cannot create a pipe for ffmpeg: ") + std::strerror(errno));
        return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    // Own process group: Ctrl-C in the terminal reaches ganscope only, which then finishes the file
    // in order instead of ffmpeg quitting under it mid-stream.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(in_pipe[0]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(in_pipe[1]);
        ::close(err_pipe[0]);
        fail("cannot start ffmpeg ('" + o.ffmpeg + "'): " + std::strerror(rc) +
             "; install ffmpeg or point to its binary; recording is off");
        return false;
    }
    // Encoding is background work: the process that feeds it (training) keeps priority.
    if (o.nice > 0) ::setpriority(PRIO_PROCESS, pid, o.nice);
    m_child_pid = pid;
    m_stdin_fd = in_pipe[1];
    m_stderr_fd = err_pipe[0];
    m_stderr_thread = std::thread([this] {
        char buffer[1024];
        for (;;) {
            ssize_t n = ::read(m_stderr_fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            std::lock_guard<std::mutex> lock(m_stderr_mutex);
            m_stderr_text.append(buffer, size_t(n));
            if (m_stderr_text.size() > 8192) m_stderr_text.erase(0, m_stderr_text.size() - 4096);
        }
    });
    return true;
}

std::string VideoWriter::ffmpeg_error_tail() const {
    std::lock_guard<std::mutex> lock(m_stderr_mutex);
    return last_lines(m_stderr_text);
}

bool VideoWriter::write_frame(const RgbFrame& frame) {
    if (m_options.format == VideoFormat::PngSequence) {
        char name[32];
        int64_t index;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            index = m_status.frames_written;
        }
        std::snprintf(name, sizeof name, "frame_%06lld.png", static_cast<long long>(index));
        std::string final_path = (fs::path(m_options.path) / name).string();
        std::string temp_path = final_path + ".tmp";
        // Temp file + rename: a frame on disk is always complete.
        if (!stbi_write_png(temp_path.c_str(), frame.width, frame.height, 3, frame.pixels.data(), frame.width * 3) ||
            std::rename(temp_path.c_str(), final_path.c_str()) != 0) {
            int err = errno;
            std::remove(temp_path.c_str());
            fail("cannot write frame '" + final_path + "': " + std::strerror(err) + "; free disk space or pick another folder");
            return false;
        }
        return true;
    }
    if (m_stdin_fd < 0) return false;
    const uint8_t* data = frame.pixels.data();
    size_t left = frame.pixels.size();
    while (left > 0) {
        ssize_t n = ::write(m_stdin_fd, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            // ffmpeg went away (full disk, bad path, killed): reap it and report what it said.
            ::close(m_stdin_fd);
            m_stdin_fd = -1;
            int status = 0;
            pid_t pid = m_child_pid.load();
            while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            if (m_stderr_thread.joinable()) m_stderr_thread.join();
            std::string said = ffmpeg_error_tail();
            fail("recording to '" + m_options.path + "' stopped: ffmpeg " +
                 (pid > 0 ? describe_exit(status) : std::string("is gone")) + " (" +
                 (said.empty() ? std::string(std::strerror(err)) : said) + ")");
            m_child_pid = 0;
            return false;
        }
        data += n;
        left -= size_t(n);
    }
    return true;
}

void VideoWriter::close_ffmpeg() {
    if (m_stdin_fd >= 0) {
        ::close(m_stdin_fd);  // end of input: ffmpeg flushes the encoder and closes the file
        m_stdin_fd = -1;
        pid_t pid = m_child_pid.load();
        int status = 0;
        while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (m_stderr_thread.joinable()) m_stderr_thread.join();
        if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            std::string said = ffmpeg_error_tail();
            fail("recording to '" + m_options.path + "' failed: ffmpeg " + describe_exit(status) +
                 (said.empty() ? std::string() : " (" + said + ")"));
        }
        m_child_pid = 0;
    }
    if (m_stderr_thread.joinable()) m_stderr_thread.join();
    if (m_stderr_fd >= 0) {
        ::close(m_stderr_fd);
        m_stderr_fd = -1;
    }
}

}  // namespace ganscope
