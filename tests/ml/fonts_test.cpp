// assets/fonts.h: every font found in one place; a missing one named with its Debian package.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "assets/fonts.h"

using namespace ganscope;

TEST_CASE("fonts: each role is found on a machine set up by scripts/setup; overrides and misses are one line") {
    for (FontRole role : {FontRole::Ui, FontRole::Monospace, FontRole::Emoji, FontRole::Caption}) {
        const std::string path = find_font(role);
        CHECK(std::filesystem::is_regular_file(path));
        CHECK(path.size() > 4);
        CHECK(path.substr(path.size() - 4) == ".ttf");
    }
    CHECK(find_font(FontRole::Emoji).find("NotoColorEmoji") != std::string::npos);

    // An override that points nowhere is named, with what to do.
    setenv("GANSCOPE_MONO_FONT", "/nonexistent/mono.ttf", 1);
    try {
        find_font(FontRole::Monospace);
        FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("GANSCOPE_MONO_FONT=/nonexistent/mono.ttf") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
    }
    CHECK(find_font_or_empty(FontRole::Monospace) != "/nonexistent/mono.ttf");  // falls back to the search
    // An override that exists wins.
    setenv("GANSCOPE_MONO_FONT", find_font(FontRole::Ui).c_str(), 1);
    CHECK(find_font(FontRole::Monospace) == find_font(FontRole::Ui));
    unsetenv("GANSCOPE_MONO_FONT");
    CHECK(std::string(font_spec(FontRole::Emoji).package) == "fonts-noto-color-emoji");
}
