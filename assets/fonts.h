// The one place that finds the fonts ganscope draws with: the window's UI text, monospace (ASCII art), colour
// emoji (the built-in training set) and video captions. Any thread; looks at the file system only.
#pragma once

#include <string>
#include <vector>

namespace ganscope {

enum class FontRole { Ui, Monospace, Emoji, Caption };

struct FontSpec {
    FontRole role;
    const char* what;           // "the window's text", for messages
    const char* env;            // an environment variable that names a file instead, e.g. GANSCOPE_FONT
    std::vector<const char*> files;  // looked for, in order, in font_dirs()
    const char* package;        // the Debian package that provides the first file
};

const FontSpec& font_spec(FontRole role);
// The folders searched: Debian's, other distributions', the user's.
std::vector<std::string> font_dirs();
// The font file for a role: the role's environment variable if set, else the first file found. Throws
// std::runtime_error with one line naming what was looked for and the Debian package to install.
std::string find_font(FontRole role);
// As find_font, but an empty string instead of throwing (callers with a built-in fallback).
std::string find_font_or_empty(FontRole role);

}  // namespace ganscope
