// TensorBoard event files written without TensorFlow: TFRecord framing (masked CRC32C) around a minimal protobuf
// encoding of Event / Summary (scalars, PNG images, session starts). One writer per file; one thread at a time
// (the trainer thread).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ml/data/image.h"

namespace ganscope {

// CRC-32C (Castagnoli), and TFRecord's masked form of it: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t crc32c(const uint8_t* data, size_t size, uint32_t crc = 0);
uint32_t masked_crc32c(const uint8_t* data, size_t size);
// One TFRecord: uint64 length, masked CRC of the length, the data, masked CRC of the data (all little-endian).
std::vector<uint8_t> tfrecord_frame(const std::vector<uint8_t>& data);

// `events.out.tfevents.*` files in a folder (what TensorBoard reads), sorted by name, which is by creation time.
std::vector<std::string> list_event_files(const std::string& dir);

class EventFileWriter {
public:
    // Creates dir/events.out.tfevents.<seconds>.<microseconds>.<host>.ganscope and writes the file_version record
    // TensorBoard expects first. Throws std::runtime_error naming the file when it cannot be created.
    explicit EventFileWriter(const std::string& dir);
    ~EventFileWriter();
    EventFileWriter(const EventFileWriter&) = delete;
    EventFileWriter& operator=(const EventFileWriter&) = delete;

    // One event holding every value (a step's metrics); non-finite values are skipped.
    void add_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values);
    // Every number in a metrics record (a JSON object, nested objects as "outer/inner" tags) except `step`, which
    // is the event's step: fields added to StepMetrics later reach TensorBoard without changes here.
    void add_metrics(const nlohmann::json& record);
    // A line of text under `tag` (TensorBoard's Text tab), e.g. an alert.
    void add_text(const std::string& tag, int64_t step, const std::string& text);
    // The image as PNG (RGB or gray).
    void add_image(const std::string& tag, int64_t step, const Image& image);
    // SessionLog START at `step`: TensorBoard then drops what earlier files logged at `step` and later (a resumed run
    // replaces the steps after its checkpoint), as it does for TensorFlow's own restarts.
    void add_session_start(int64_t step);

    const std::string& path() const { return m_path; }
    // The first write failure (disk full, say), one line naming the file; empty when all is well.
    const std::string& error() const { return m_error; }

private:
    void write_event(const std::vector<uint8_t>& event);

    std::string m_path;
    std::FILE* m_file = nullptr;
    std::string m_error;
};

}  // namespace ganscope
