// The browser page's files (assets/web/ and the dygraphs chart library), embedded at build time by
// embed_web.cmake; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ganscope {

// The bytes served at a URL path ("/", "/static/app.js", ...); nullopt for any other path.
std::optional<std::string_view> served_file(const std::string& path);

}  // namespace ganscope
