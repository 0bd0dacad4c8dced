// TensorBoard event files, read back by TensorBoard's own EventAccumulator (tests/python/interop.py):
// every scalar and image with its step and value; files cut mid-record or with a damaged record read up to the last
// whole record before it.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ml/run/tensorboard.h"
#include "tests/ml/python_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_tensorboard(const std::string& path) {
    std::string out;
    REQUIRE_MESSAGE(test::run_tensorboard_read(path, &out) == 0,
                    "TensorBoard's reader failed; is tensorboard in " << test::python() << " (scripts/setup)? " << out);
    return nlohmann::json::parse(out);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Where each record starts, following the framing: 8-byte length, 4-byte CRC, data, 4-byte CRC.
std::vector<size_t> record_offsets(const std::vector<uint8_t>& file) {
    std::vector<size_t> offsets;
    for (size_t at = 0; at + 12 <= file.size();) {
        offsets.push_back(at);
        uint64_t length = 0;
        std::memcpy(&length, file.data() + at, 8);
        at += 12 + length + 4;
    }
    return offsets;
}

// `bytes` alone in a fresh folder (TensorBoard reads a folder's event files).
std::string copy_as_event_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string dir = test::scratch_dir(name);
    std::ofstream(dir + "/events.out.tfevents.0000000001.000000.test", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return dir;
}

// The PNG TensorBoard holds, decoded by ml's image reader (through a file).
Image decode_png_hex(const std::string& hex, const std::string& scratch) {
    std::vector<uint8_t> png(hex.size() / 2);
    for (size_t i = 0; i < png.size(); ++i) png[i] = uint8_t(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    const std::string path = scratch + "/decoded.png";
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
    return load_image(path);
}

Image gradient(int w, int h, int seed) {
    Image image(w, h, 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < 3; ++k) image.at(x, y)[k] = uint8_t((x * 40 + y * 17 + k * 90 + seed * 31) % 256);
    return image;
}

}  // namespace

TEST_CASE("CRC32C and TFRecord framing") {
    const char* check = "123456789";
    CHECK(crc32c(reinterpret_cast<const uint8_t*>(check), 9) == 0xe3069283u);  // the published check value
    const std::vector<uint8_t> data = {1, 2, 3};
    const auto frame = tfrecord_frame(data);
    REQUIRE(frame.size() == 8 + 4 + 3 + 4);
    uint64_t length = 0;
    std::memcpy(&length, frame.data(), 8);
    CHECK(length == 3);
}

TEST_CASE("TensorBoard reads every scalar and image written, and a cut or damaged file up to its last whole record") {
    const std::string dir = test::scratch_dir("tensorboard_writer");
    std::string path;
    const Image first = gradient(6, 4, 1), last = gradient(5, 7, 2);
    {
        EventFileWriter w(dir);
        path = w.path();
        CHECK(fs::path(path).filename().string().rfind("events.out.tfevents.", 0) == 0);
        for (int s = 1; s <= 5; ++s) {
            // A metrics record: numbers of any name (a nested quality metric too), a null (NaN) that is skipped.
            nlohmann::json record = {{"step", s}, {"epoch", s / 3}, {"loss_g", 0.5 + s / 7.0}, {"loss_d", nullptr},
                                     {"swd", {{"16px", s * 0.25}}}, {"images_per_sec", 100.0 * s}};
            w.add_metrics(record);
        }
        w.add_image("samples", 0, first);
        w.add_image("samples", 5, last);
        CHECK(w.error().empty());
    }
    const nlohmann::json tb = read_tensorboard(dir);
    const auto& scalars = tb["scalars"];
    CHECK(scalars.size() == 4);  // epoch, loss_g, swd/16px, images_per_sec; loss_d was null; step is the step
    REQUIRE(scalars.contains("loss_g"));
    REQUIRE(scalars.contains("swd/16px"));
    REQUIRE(scalars["loss_g"].size() == 5);
    for (int s = 1; s <= 5; ++s) {
        CHECK(scalars["loss_g"][s - 1][0] == s);
        CHECK(scalars["loss_g"][s - 1][1].get<double>() == double(float(0.5 + s / 7.0)));
        CHECK(scalars["swd/16px"][s - 1][1].get<double>() == double(float(s * 0.25)));
        CHECK(scalars["epoch"][s - 1][1].get<double>() == double(s / 3));
        CHECK(scalars["images_per_sec"][s - 1][1].get<double>() == 100.0 * s);
    }
    const auto& images = tb["images"]["samples"];
    REQUIRE(images.size() == 2);
    CHECK(images[0][0] == 0);
    CHECK(images[1][0] == 5);
    CHECK(images[1][1] == 5);  // width
    CHECK(images[1][2] == 7);  // height
    CHECK(decode_png_hex(images[0][3], dir).pixels == first.pixels);
    CHECK(decode_png_hex(images[1][3], dir).pixels == last.pixels);

    // Records: file_version, five scalar events, two images.
    const std::vector<uint8_t> bytes = read_bytes(path);
    const auto offsets = record_offsets(bytes);
    REQUIRE(offsets.size() == 8);
    auto cut = [&](const std::string& name, size_t size) {
        return read_tensorboard(copy_as_event_file(name, std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(size))));
    };
    // Cut inside the last image's data (a crash mid-write): the scalars and the first image remain.
    nlohmann::json t = cut("tensorboard_cut_image", bytes.size() - 10);
    CHECK(t["scalars"]["loss_g"].size() == 5);
    CHECK(t["images"]["samples"].size() == 1);
    // Cut inside the fourth scalar record's length header, and inside its data.
    t = cut("tensorboard_cut_header", offsets[4] + 5);
    CHECK(t["scalars"]["loss_g"].size() == 3);
    CHECK(t["images"].empty());
    t = cut("tensorboard_cut_data", offsets[4] + 12 + 6);
    CHECK(t["scalars"]["loss_g"].size() == 3);
    CHECK(t["scalars"]["swd/16px"].size() == 3);
    // A flipped byte in the third scalar's data: its checksum fails and TensorBoard stops reading there.
    std::vector<uint8_t> damaged = bytes;
    damaged[offsets[3] + 12 + 3] ^= 0x40;
    t = read_tensorboard(copy_as_event_file("tensorboard_damaged", damaged));
    CHECK(t["scalars"]["loss_g"].size() == 2);
}

TEST_CASE("text entries (alerts) are read back by TensorBoard's text plugin") {
    const std::string dir = test::scratch_dir("tensorboard_text");
    {
        EventFileWriter w(dir);
        w.add_text("alerts", 1200, "alert (collapse) at step 1200: mode collapse, diversity 0.08");
        w.add_text("alerts", 1500, "alert (stall) at step 1500: caf\xc3\xa9");
        CHECK(w.error().empty());
    }
    const nlohmann::json texts = read_tensorboard(dir)["texts"];
    REQUIRE(texts.contains("alerts"));
    REQUIRE(texts["alerts"].size() == 2);
    CHECK(texts["alerts"][0][0] == 1200);
    CHECK(texts["alerts"][0][1] == "alert (collapse) at step 1200: mode collapse, diversity 0.08");
    CHECK(texts["alerts"][1][1] == "alert (stall) at step 1500: caf\xc3\xa9");
}

TEST_CASE("event files are listed in creation order; a session start is a record") {
    const std::string dir = test::scratch_dir("tensorboard_list");
    std::string a, b;
    {
        EventFileWriter w(dir);
        a = w.path();
        w.add_scalars(1, {{"x", 1.0}});
    }
    {
        EventFileWriter w(dir);
        b = w.path();
        w.add_session_start(1);
        w.add_scalars(1, {{"x", 2.0}});
    }
    CHECK(list_event_files(dir) == std::vector<std::string>{a, b});
    // The second file's START at step 1 drops what the first logged from step 1 on.
    const nlohmann::json t = read_tensorboard(dir);
    REQUIRE(t["scalars"]["x"].size() == 1);
    CHECK(t["scalars"]["x"][0][1] == 2.0);
}
