// Video writer and caption tests: real ffmpeg, checked with ffprobe and stb_image. Main thread.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <stb/stb_image.h>  // render links libstb; its include folder is private to it

#include "render/caption.h"
#include "render/video.h"

namespace fs = std::filesystem;
using namespace ganscope;

namespace {

fs::path test_dir(const std::string& name) {
    fs::path dir = fs::path(GANSCOPE_BINARY_DIR) / "test-work" / "render" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string run_capture(const std::string& command, int* exit_code = nullptr) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    int status = ::pclose(pipe);
    if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

// ffprobe's view of the first video stream: codec_name, pix_fmt, width, height, nb_read_frames, duration, and
// "errors" (anything ffprobe printed at level error while decoding every frame).
std::map<std::string, std::string> probe(const fs::path& file) {
    int rc = 0;
    std::string out = run_capture("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                                  "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration "
                                  "-of default=noprint_wrappers=1 '" + file.string() + "'", &rc);
    std::map<std::string, std::string> fields;
    std::istringstream lines(out);
    std::string line, errors;
    while (std::getline(lines, line)) {
        size_t eq = line.find('=');
        if (eq != std::string::npos && line.find(' ') == std::string::npos)
            fields[line.substr(0, eq)] = line.substr(eq + 1);
        else if (!line.empty())
            errors += line + "\n";
    }
    fields["errors"] = errors;
    fields["rc"] = std::to_string(rc);
    return fields;
}

// A frame that changes with its index, so the encoder sees motion and frames are distinguishable.
RgbFrame synthetic_frame(int width, int height, int index) {
    RgbFrame frame(width, height);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            uint8_t* p = frame.at(x, y);
            p[0] = uint8_t((x * 4 + index * 8) & 255);
            p[1] = uint8_t((y * 4) & 255);
            p[2] = uint8_t(((x / 8 + y / 8 + index) & 1) * 255);
        }
    return frame;
}

}  // namespace

TEST_CASE("format follows the path") {
    CHECK(video_format_for_path("a/b.mp4") == VideoFormat::Mp4);
    CHECK(video_format_for_path("b.GIF") == VideoFormat::Gif);
    CHECK(video_format_for_path("frames/") == VideoFormat::PngSequence);
    CHECK(video_format_for_path("frames") == VideoFormat::PngSequence);
    CHECK_THROWS_WITH_AS(video_format_for_path("x.avi"), doctest::Contains("x.avi"), std::invalid_argument);
}

TEST_CASE("MP4: h264 yuv420p with the frames, size and duration pushed; odd sizes are padded even") {
    fs::path dir = test_dir("mp4");
    for (auto [w, h, expect_w, expect_h] : {std::tuple{64, 48, 64, 48}, std::tuple{63, 47, 64, 48}}) {
        fs::path file = dir / ("v" + std::to_string(w) + ".mp4");
        VideoOptions options;
        options.path = file.string();
        options.fps = 15;
        options.when_full = QueueFull::Wait;
        VideoWriter writer(options);
        for (int i = 0; i < 30; ++i) REQUIRE(writer.push(synthetic_frame(w, h, i)));
        VideoStatus status = writer.finish();
        INFO(status.error);
        REQUIRE(status.state == VideoState::Finished);
        CHECK(status.frames_written == 30);
        CHECK(status.frames_dropped == 0);
        auto info = probe(file);
        INFO(info["errors"]);
        CHECK(info["rc"] == "0");
        CHECK(info["codec_name"] == "h264");
        CHECK(info["pix_fmt"] == "yuv420p");
        CHECK(info["width"] == std::to_string(expect_w));
        CHECK(info["height"] == std::to_string(expect_h));
        CHECK(info["nb_read_frames"] == "30");
        CHECK(std::stod(info["duration"]) == doctest::Approx(2.0).epsilon(0.05));
        CHECK(info["errors"].empty());
    }
}

TEST_CASE("GIF: palette-optimised animation that decodes frame by frame") {
    fs::path file = test_dir("gif") / "clip.gif";
    VideoOptions options;
    options.path = file.string();
    options.format = VideoFormat::Gif;
    options.fps = 10;
    options.when_full = QueueFull::Wait;
    VideoWriter writer(options);
    for (int i = 0; i < 12; ++i) {
        RgbFrame frame = synthetic_frame(40, 30, i);
        // The first frame a solid colour, to check colours survive the palette.
        if (i == 0)
            for (size_t k = 0; k < frame.pixels.size(); k += 3)
                frame.pixels[k] = 200, frame.pixels[k + 1] = 30, frame.pixels[k + 2] = 60;
        REQUIRE(writer.push(frame));
    }
    VideoStatus status = writer.finish();
    INFO(status.error);
    REQUIRE(status.state == VideoState::Finished);
    auto info = probe(file);
    CHECK(info["codec_name"] == "gif");
    CHECK(info["nb_read_frames"] == "12");

    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int* delays = nullptr;
    int w = 0, h = 0, layers = 0, comp = 0;
    stbi_uc* pixels = stbi_load_gif_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()),
                                                &delays, &w, &h, &layers, &comp, 3);
    REQUIRE(pixels != nullptr);
    CHECK(w == 40);
    CHECK(h == 30);
    CHECK(layers == 12);
    CHECK(std::abs(int(pixels[0]) - 200) <= 8);
    CHECK(std::abs(int(pixels[1]) - 30) <= 8);
    CHECK(std::abs(int(pixels[2]) - 60) <= 8);
    stbi_image_free(pixels);
    stbi_image_free(delays);
}

TEST_CASE("PNG sequence: one lossless file per frame") {
    fs::path dir = test_dir("png") / "frames";
    VideoOptions options;
    options.path = dir.string() + "/";
    options.format = VideoFormat::PngSequence;
    options.when_full = QueueFull::Wait;
    VideoWriter writer(options);
    for (int i = 0; i < 5; ++i) REQUIRE(writer.push(synthetic_frame(21, 13, i)));
    VideoStatus status = writer.finish();
    REQUIRE(status.state == VideoState::Finished);
    for (int i = 0; i < 5; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", i);
        int w = 0, h = 0, c = 0;
        stbi_uc* pixels = stbi_load((dir / name).c_str(), &w, &h, &c, 3);
        REQUIRE(pixels != nullptr);
        RgbFrame expected = synthetic_frame(21, 13, i);
        CHECK(w == 21);
        CHECK(h == 13);
        CHECK(std::equal(expected.pixels.begin(), expected.pixels.end(), pixels));
        stbi_image_free(pixels);
    }
    CHECK_FALSE(fs::exists(dir / "frame_000005.png"));
}

TEST_CASE("missing ffmpeg: a clear one-line error and no crash") {
    fs::path file = test_dir("noffmpeg") / "v.mp4";
    VideoOptions options;
    options.path = file.string();
    options.ffmpeg = "/nonexistent/bin/ffmpeg";
    VideoWriter writer(options);
    VideoStatus status = writer.status();
    CHECK(status.state == VideoState::Failed);
    CHECK(status.error.find("ffmpeg not found") != std::string::npos);
    CHECK(status.error.find("/nonexistent/bin/ffmpeg") != std::string::npos);
    CHECK(status.error.find('\n') == std::string::npos);
    CHECK_FALSE(writer.push(synthetic_frame(8, 8, 0)));
    CHECK(writer.finish().frames_dropped == 1);
    CHECK_FALSE(fs::exists(file));
}

TEST_CASE("unwritable path: the error names the folder") {
    VideoOptions options;
    options.path = "/nonexistent-folder/sub/v.mp4";
    VideoWriter writer(options);
    CHECK(writer.failed());
    CHECK(writer.status().error.find("/nonexistent-folder/sub") != std::string::npos);
}

TEST_CASE("full disk: ffmpeg's failure stops recording with its reason; the producer is never blocked") {
    VideoOptions options;
    options.path = "/dev/full";  // every write fails with ENOSPC
    options.format = VideoFormat::Mp4;
    options.queue_frames = 2;
    VideoWriter writer(options);
    REQUIRE_FALSE(writer.failed());
    auto start = std::chrono::steady_clock::now();
    RgbFrame frame = synthetic_frame(64, 64, 0);
    for (int i = 0; i < 200 && !writer.failed(); ++i) {
        writer.push(frame);  // Drop policy: returns at once whatever ffmpeg is doing
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    VideoStatus status = writer.finish();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
    CHECK(status.state == VideoState::Failed);
    INFO(status.error);
    CHECK(status.error.find("/dev/full") != std::string::npos);
    CHECK(status.error.find("No space left") != std::string::npos);
    CHECK(status.error.find('\n') == std::string::npos);
}

TEST_CASE("ffmpeg killed mid-stream: recording fails cleanly and the file plays up to its last fragment") {
    fs::path file = test_dir("killed") / "v.mp4";
    VideoOptions options;
    options.path = file.string();
    options.fps = 10;
    options.keyframe_interval = 5;
    options.when_full = QueueFull::Wait;
    VideoWriter writer(options);
    for (int i = 0; i < 60; ++i) REQUIRE(writer.push(synthetic_frame(64, 48, i)));
    // Let ffmpeg encode and flush a few fragments, then kill it as a crash would.
    // (wait until the file has stopped growing: ffmpeg has encoded all it can while its input stays open).
    uintmax_t last_size = 0;
    for (int i = 0, still = 0; i < 100 && still < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        uintmax_t size = fs::exists(file) ? fs::file_size(file) : 0;
        still = (size > 0 && size == last_size) ? still + 1 : 0;
        last_size = size;
    }
    int pid = writer.child_pid();
    REQUIRE(pid > 0);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    for (int i = 0; i < 200 && !writer.failed(); ++i) {
        writer.push(synthetic_frame(64, 48, 60 + i));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    VideoStatus status = writer.finish();
    CHECK(status.state == VideoState::Failed);
    CHECK(status.error.find("signal 9") != std::string::npos);
    auto info = probe(file);
    INFO(info["errors"]);
    CHECK(info["codec_name"] == "h264");
    int frames = std::stoi(info["nb_read_frames"]);
    CHECK(frames >= 10);
    CHECK(frames % 5 == 0);  // whole fragments only
}

TEST_CASE("the recording process killed: ffmpeg finishes a playable file with every frame it was given") {
    fs::path file = test_dir("crash") / "v.mp4";
    int report[2];
    REQUIRE(::pipe(report) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(report[0]);
        VideoOptions options;
        options.path = file.string();
        options.fps = 10;
        options.when_full = QueueFull::Wait;
        VideoWriter writer(options);
        for (int i = 0; i < 25; ++i) writer.push(synthetic_frame(32, 32, i));
        while (writer.status().frames_written < 25) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        int written = int(writer.status().frames_written);
        (void)!::write(report[1], &written, sizeof written);
        ::raise(SIGKILL);  // no destructors, no finish(): a crash
    }
    ::close(report[1]);
    int written = 0;
    REQUIRE(::read(report[0], &written, sizeof written) == sizeof written);
    ::close(report[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    // ffmpeg (now orphaned) sees end of input and closes the file; wait for it.
    std::map<std::string, std::string> info;
    for (int i = 0; i < 100; ++i) {
        info = probe(file);
        if (info["nb_read_frames"] == std::to_string(written)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(written == 25);
    CHECK(info["nb_read_frames"] == "25");
    CHECK(info["codec_name"] == "h264");
}

TEST_CASE("a producer faster than the encoder drops frames instead of waiting") {
    fs::path file = test_dir("drop") / "v.mp4";
    VideoOptions options;
    options.path = file.string();
    options.queue_frames = 2;
    VideoWriter writer(options);
    RgbFrame frame = synthetic_frame(256, 256, 0);
    for (int i = 0; i < 200; ++i) writer.push(frame);
    VideoStatus status = writer.finish();
    CHECK(status.state == VideoState::Finished);
    CHECK(status.frames_pushed + status.frames_dropped == 200);
    CHECK(status.frames_dropped > 0);
    CHECK(probe(file)["nb_read_frames"] == std::to_string(status.frames_written));
}

TEST_CASE("captions: FreeType text lands in the band above the frame") {
    CaptionRenderer caption(14);
    CHECK(caption.font_path().find(".ttf") != std::string::npos);
    CHECK(caption.line_height() >= 14);
    CHECK(caption.text_width("step 100") > caption.text_width("step"));
    RgbFrame frame(120, 40, 0);
    RgbFrame out = caption.with_caption(frame, {"step 100", "G 1.23 D 0.45"}, {255, 255, 255}, {0, 0, 0}, 4);
    int band = 2 * caption.line_height() + 8;
    REQUIRE(out.width == 120);
    REQUIRE(out.height == 40 + band);
    auto lit_in_rows = [&](int y0, int y1) {
        int lit = 0;
        for (int y = y0; y < y1; ++y)
            for (int x = 0; x < out.width; ++x) lit += out.at(x, y)[0] > 128;
        return lit;
    };
    CHECK(lit_in_rows(0, band / 2) > 20);     // first line drawn
    CHECK(lit_in_rows(band / 2, band) > 20);  // second line drawn
    CHECK(lit_in_rows(band, out.height) == 0);  // the frame itself untouched
    CHECK_THROWS_WITH_AS(CaptionRenderer(14, "/nonexistent/font.ttf"), doctest::Contains("/nonexistent/font.ttf"),
                         std::runtime_error);
}
