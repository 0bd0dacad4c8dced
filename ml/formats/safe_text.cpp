// Escaping of untrusted bytes for messages; see safe_text.h.
#include "ml/formats/safe_text.h"

#include <algorithm>

namespace ganscope {

std::string escape_bytes(std::string_view bytes, size_t max_bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    const size_t n = std::min(bytes.size(), max_bytes);
    out.reserve(n + 8);
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(char(c));
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    if (bytes.size() > max_bytes) out += "...";
    return out;
}

std::string escape_controls(std::string_view bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size());
    for (const char ch : bytes) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f && c != '\\') {
            out.push_back(ch);
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string one_line(std::string text, size_t max_chars) {
    // c10 errors carry a back-trace after the first line: keep the first line only.
    if (size_t nl = text.find("\nException raised from"); nl != std::string::npos) text.resize(nl);
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (text.size() > max_chars) text = text.substr(0, max_chars) + "...";
    return text;
}

}  // namespace ganscope
