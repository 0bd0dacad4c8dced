// Finding fonts (see fonts.h). Any thread.
#include "assets/fonts.h"

#include <cstdlib>
#include <stdexcept>
#include <sys/stat.h>

namespace ganscope {
namespace {

bool is_file(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

const std::vector<FontSpec>& specs() {
    static const std::vector<FontSpec> all = {
        {FontRole::Ui, "the window's text", "GANSCOPE_UI_FONT", {"DejaVuSans.ttf"}, "fonts-dejavu-core"},
        {FontRole::Monospace, "the monospace font for ASCII art", "GANSCOPE_MONO_FONT", {"DejaVuSansMono.ttf"},
         "fonts-dejavu-core"},
        {FontRole::Emoji, "the colour emoji font of the built-in training set", "GANSCOPE_EMOJI_FONT",
         {"NotoColorEmoji.ttf"}, "fonts-noto-color-emoji"},
        {FontRole::Caption, "the caption font of videos", "GANSCOPE_FONT", {"DejaVuSansMono.ttf", "DejaVuSans.ttf"},
         "fonts-dejavu-core"},
    };
    return all;
}

}  // namespace

const FontSpec& font_spec(FontRole role) {
    for (const FontSpec& s : specs())
        if (s.role == role) return s;
    throw std::logic_error("unknown font role");
}

std::vector<std::string> font_dirs() {
    std::vector<std::string> dirs = {"/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/truetype/noto/",
                                     "/usr/share/fonts/TTF/", "/usr/share/fonts/dejavu/", "/usr/share/fonts/noto/",
                                     "/usr/share/fonts/dejavu-sans-fonts/", "/usr/share/fonts/dejavu-sans-mono-fonts/",
                                     "/usr/share/fonts/google-noto-emoji/", "/usr/local/share/fonts/"};
    if (const char* home = std::getenv("HOME"); home && *home) dirs.push_back(std::string(home) + "/.local/share/fonts/");
    return dirs;
}

std::string find_font_or_empty(FontRole role) {
    const FontSpec& spec = font_spec(role);
    if (const char* env = std::getenv(spec.env); env && *env && is_file(env)) return env;
    for (const char* file : spec.files)
        for (const std::string& dir : font_dirs())
            if (is_file(dir + file)) return dir + file;
    return "";
}

std::string find_font(FontRole role) {
    const FontSpec& spec = font_spec(role);
    if (const char* env = std::getenv(spec.env); env && *env && !is_file(env))
        throw std::runtime_error(std::string(spec.env) + "=" + env + ": no such font file (" + spec.what +
                                 "); point it at a .ttf file or unset it");
    std::string found = find_font_or_empty(role);
    if (!found.empty()) return found;
    std::string names;
    for (const char* file : spec.files) names += (names.empty() ? "" : " or ") + std::string(file);
    throw std::runtime_error(std::string("no ") + names + " for " + spec.what + " in /usr/share/fonts and the usual "
                             "places: install it with `apt-get install " + spec.package + "` (scripts/setup does) " +
                             "or set " + spec.env + " to a .ttf file");
}

}  // namespace ganscope
