// `ganscope watch http://HOST:PORT`: the RunSource face of a run that another process serves (--serve).
#pragma once

#include <memory>
#include <string>

#include "viewer/sources/run_source.h"

namespace ganscope {

// Follows the server by polling (every `poll_seconds`); with `token`, commands are sent to it, else refused here.
// Throws std::invalid_argument for a URL that is not http://HOST:PORT.
std::unique_ptr<RunSource> make_remote_source(const std::string& url, const std::string& token,
                                              double poll_seconds = 0.25);

}  // namespace ganscope
