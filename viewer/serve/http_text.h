// What the server's routes (run_server.cpp) and its event stream (run_server_events.cpp) write: JSON text, a
// one-line refusal, a server-sent event. Server threads.
#pragma once

#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace ganscope {

// Names and paths are bytes; JSON text is UTF-8: bytes that are not UTF-8 become U+FFFD (safe_text.h does the
// same for the same bytes), never an exception.
inline std::string json_text(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline void send_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(json_text(nlohmann::json{{"error", message}}) + "\n", "application/json");
}

inline std::string record_event(const char* name, const std::string& data) {
    return std::string("event: ") + name + "\ndata: " + data + "\n\n";
}

}  // namespace ganscope
