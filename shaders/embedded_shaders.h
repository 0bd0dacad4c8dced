// The GLSL sources of shaders/, embedded at build time (shaders/embed.cmake). Any thread.
#pragma once

#include <string>
#include <vector>

namespace ganscope {

// The source of shaders/NAME ("display.frag"), zero-terminated; null when no such file was embedded.
const char* embedded_shader(const char* name);
std::vector<std::string> embedded_shader_names();

}  // namespace ganscope
