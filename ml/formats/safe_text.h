// Text from untrusted files made safe to print: bytes escaped, length bounded, one line. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace ganscope {

// Printable ASCII stays as it is; every other byte (escape sequences, newlines, NUL, UTF-8) becomes \xNN, and
// text longer than `max_bytes` ends in "...", so a name taken from a file can never drive the terminal.
std::string escape_bytes(std::string_view bytes, size_t max_bytes = 80);

// Only control bytes (below 0x20, 0x7f) and backslashes escaped: file names in UTF-8 stay readable, one a line.
std::string escape_controls(std::string_view bytes);

// Newlines and tabs become spaces and the text is cut at `max_chars`: an error message on one line.
std::string one_line(std::string text, size_t max_chars = 400);

// Paths and names are bytes on Linux; JSON text is UTF-8. Every byte that does not belong to a valid UTF-8
// sequence becomes U+FFFD, as nlohmann's error_handler_t::replace does, so a name shows the same in every answer.
bool valid_utf8(std::string_view bytes);
std::string utf8_or_replacement(std::string_view bytes);

// Lower-case hex of bytes and back (nullopt-like: throws std::invalid_argument on odd length or a non-hex digit):
// how config.json keeps a path that is not UTF-8 exactly.
std::string hex_encode(std::string_view bytes);
std::string hex_decode(std::string_view hex);

}  // namespace ganscope
