// What the served-run tests share: a JSON GET, the token's header, waiting on a condition with a deadline.
#pragma once

#include <doctest/doctest.h>

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace ganscope::test {

inline nlohmann::json get_json(httplib::Client& c, const std::string& path, int expect = 200) {
    auto r = c.Get(path.c_str());
    REQUIRE(r);
    CHECK(r->status == expect);
    return nlohmann::json::parse(r->body);
}

inline httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// Polls `done` every 20 ms; false when it is still false after `seconds` (the caller REQUIREs it).
template <class F>
bool wait_for(F done, double seconds = 60) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace ganscope::test
