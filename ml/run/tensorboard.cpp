// TensorBoard event files: CRC32C, TFRecord framing and the few protobuf messages TensorBoard reads
// (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto).
#include "ml/run/tensorboard.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <stb_image_write.h>

namespace ganscope {
namespace fs = std::filesystem;
namespace {

const std::array<uint32_t, 256>& crc_table() {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;  // reflected Castagnoli
            t[i] = c;
        }
        return t;
    }();
    return table;
}

// Protobuf wire format: a field is a varint key (number << 3 | wire type) and its value.
class Proto {
public:
    void varint(uint64_t v) {
        while (v >= 0x80) {
            m_bytes.push_back(uint8_t(v | 0x80));
            v >>= 7;
        }
        m_bytes.push_back(uint8_t(v));
    }
    void key(int field, int wire_type) { varint(uint64_t(field) << 3 | uint64_t(wire_type)); }
    void int_field(int field, int64_t v) {
        key(field, 0);
        varint(uint64_t(v));
    }
    void double_field(int field, double v) {
        key(field, 1);
        fixed(&v, 8);
    }
    void float_field(int field, float v) {
        key(field, 5);
        fixed(&v, 4);
    }
    void bytes_field(int field, const void* data, size_t size) {
        key(field, 2);
        varint(size);
        const auto* p = static_cast<const uint8_t*>(data);
        m_bytes.insert(m_bytes.end(), p, p + size);
    }
    void string_field(int field, const std::string& s) { bytes_field(field, s.data(), s.size()); }
    void message_field(int field, const Proto& m) { bytes_field(field, m.m_bytes.data(), m.m_bytes.size()); }
    const std::vector<uint8_t>& bytes() const { return m_bytes; }

private:
    void fixed(const void* v, size_t n) {  // little-endian hosts (x86-64, aarch64)
        const auto* p = static_cast<const uint8_t*>(v);
        m_bytes.insert(m_bytes.end(), p, p + n);
    }
    std::vector<uint8_t> m_bytes;
};

double wall_time() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; SessionLog session_log = 7; }
// (6 is the deprecated log_message)
Proto event_header(int64_t step) {
    Proto e;
    e.double_field(1, wall_time());
    e.int_field(2, step);
    return e;
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
    if (!j.is_object()) return;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string tag = prefix.empty() ? it.key() : prefix + "/" + it.key();
        if (prefix.empty() && it.key() == "step") continue;
        if (it->is_object()) flatten(*it, tag, out);
        else if (it->is_number()) out.emplace_back(tag, it->get<double>());
        else if (it->is_boolean()) out.emplace_back(tag, it->get<bool>() ? 1.0 : 0.0);
    }
}

void append_png(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    const auto* p = static_cast<const uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}

}  // namespace

uint32_t crc32c(const uint8_t* data, size_t size, uint32_t crc) {
    const auto& table = crc_table();
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t masked_crc32c(const uint8_t* data, size_t size) {
    const uint32_t crc = crc32c(data, size);
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::vector<uint8_t> tfrecord_frame(const std::vector<uint8_t>& data) {
    std::vector<uint8_t> out(12 + data.size() + 4);
    const uint64_t length = data.size();
    std::memcpy(out.data(), &length, 8);
    const uint32_t length_crc = masked_crc32c(out.data(), 8);
    std::memcpy(out.data() + 8, &length_crc, 4);
    if (!data.empty()) std::memcpy(out.data() + 12, data.data(), data.size());
    const uint32_t data_crc = masked_crc32c(data.data(), data.size());
    std::memcpy(out.data() + 12 + data.size(), &data_crc, 4);
    return out;
}

std::vector<std::string> list_event_files(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().filename().string().rfind("events.out.tfevents.", 0) == 0)
            files.push_back(it->path().string());
    std::sort(files.begin(), files.end());
    return files;
}

EventFileWriter::EventFileWriter(const std::string& dir) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    for (char* c = host; *c; ++c)
        if (*c == '/' || *c == ' ') *c = '_';
    // Seconds and microseconds, zero-padded: TensorBoard reads a folder's files in name order, so a resumed run's
    // file sorts after the files it continues.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    long long micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    std::error_code ec;
    do {
        char name[512];
        std::snprintf(name, sizeof name, "events.out.tfevents.%010lld.%06lld.%s.ganscope", micros / 1000000,
                      micros % 1000000, host);
        m_path = (fs::path(dir) / name).string();
        ++micros;
    } while (fs::exists(m_path, ec));
    m_file = std::fopen(m_path.c_str(), "wb");
    if (!m_file)
        throw std::runtime_error(m_path + ": cannot create the TensorBoard event file (" + std::strerror(errno) +
                                 "); choose a writable --out");
    Proto e = event_header(0);
    e.string_field(3, "brain.Event:2");
    write_event(e.bytes());
}

EventFileWriter::~EventFileWriter() {
    if (m_file) std::fclose(m_file);
}

void EventFileWriter::write_event(const std::vector<uint8_t>& event) {
    if (!m_error.empty()) return;
    // One fwrite and a flush per record: a crash leaves whole records and at most one torn one at the end, which
    // TensorBoard's reader treats as the end of the file.
    const std::vector<uint8_t> record = tfrecord_frame(event);
    if (std::fwrite(record.data(), 1, record.size(), m_file) != record.size() || std::fflush(m_file) != 0)
        m_error = m_path + ": cannot write the TensorBoard event file (" + std::strerror(errno) +
                  "); TensorBoard logging stopped, training goes on";
}

void EventFileWriter::add_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
    // Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
    Proto summary;
    bool any = false;
    for (const auto& [tag, v] : values) {
        if (!std::isfinite(v)) continue;
        Proto value;
        value.string_field(1, tag);
        value.float_field(2, float(v));
        summary.message_field(1, value);
        any = true;
    }
    if (!any) return;
    Proto e = event_header(step);
    e.message_field(5, summary);
    write_event(e.bytes());
}

void EventFileWriter::add_metrics(const nlohmann::json& record) {
    std::vector<std::pair<std::string, double>> values;
    flatten(record, "", values);
    add_scalars(record.value("step", int64_t(0)), values);
}

void EventFileWriter::add_text(const std::string& tag, int64_t step, const std::string& text) {
    // Value { string tag = 1; TensorProto tensor = 8; SummaryMetadata metadata = 9; }: the text plugin's form,
    // a scalar DT_STRING tensor (dtype 7, string_val = 8) under plugin_data { plugin_name: "text" }.
    Proto plugin;
    plugin.string_field(1, "text");
    Proto metadata;
    metadata.message_field(1, plugin);
    Proto tensor;
    tensor.int_field(1, 7);
    tensor.message_field(2, Proto());  // TensorShapeProto of no dimensions: a scalar
    tensor.bytes_field(8, reinterpret_cast<const uint8_t*>(text.data()), text.size());
    Proto value;
    value.string_field(1, tag);
    value.message_field(8, tensor);
    value.message_field(9, metadata);
    Proto summary;
    summary.message_field(1, value);
    Proto e = event_header(step);
    e.message_field(5, summary);
    write_event(e.bytes());
}

void EventFileWriter::add_image(const std::string& tag, int64_t step, const Image& image) {
    if (image.empty()) return;
    std::vector<uint8_t> png;
    if (!stbi_write_png_to_func(append_png, &png, image.width, image.height, image.channels, image.pixels.data(),
                                image.width * image.channels))
        throw std::runtime_error(m_path + ": cannot encode a " + std::to_string(image.width) + "x" +
                                 std::to_string(image.height) + " image as PNG");
    // Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
    Proto img;
    img.int_field(1, image.height);
    img.int_field(2, image.width);
    img.int_field(3, image.channels);
    img.bytes_field(4, png.data(), png.size());
    Proto value;  // Value { string tag = 1; Image image = 4; }
    value.string_field(1, tag);
    value.message_field(4, img);
    Proto summary;
    summary.message_field(1, value);
    Proto e = event_header(step);
    e.message_field(5, summary);
    write_event(e.bytes());
}

void EventFileWriter::add_session_start(int64_t step) {
    Proto log;  // SessionLog { SessionStatus status = 1; }  START = 1
    log.int_field(1, 1);
    Proto e = event_header(step);
    e.message_field(7, log);
    write_event(e.bytes());
}

}  // namespace ganscope
