// A GLSL program linked from two sources of shaders/ (embedded at build time). A compile or link error throws
// RenderError naming the shader file and line, "shaders/display.frag:12: error: ...". GL thread only.
#pragma once

#include <string>
#include <vector>

namespace ganscope {

class ShaderProgram {
public:
    ShaderProgram() = default;
    // The embedded shaders/VERTEX and shaders/FRAGMENT ("fullscreen.vert", "display.frag"). `defines`: names
    // defined (as 1) in the fragment shader right after its #version line, to compile one variant of it; error
    // lines still count the file's own lines.
    ShaderProgram(const std::string& vertex, const std::string& fragment, const std::vector<std::string>& defines = {});
    // Explicit sources, named as files for the messages (tests compile broken sources this way).
    ShaderProgram(const std::string& vertex_name, const std::string& vertex_source, const std::string& fragment_name,
                  const std::string& fragment_source);
    ~ShaderProgram();
    ShaderProgram(ShaderProgram&& other) noexcept;
    ShaderProgram& operator=(ShaderProgram&& other) noexcept;
    ShaderProgram(const ShaderProgram&) = delete;
    ShaderProgram& operator=(const ShaderProgram&) = delete;

    unsigned id() const { return m_program; }
    bool empty() const { return m_program == 0; }
    // The location of a uniform; throws RenderError naming it and the program when the shader has none (a
    // misspelt name, or one the compiler optimised away), so a uniform is never set into nowhere.
    int uniform(const char* name) const;
    // The location of a uniform that a variant may not use: -1 then (setting -1 is a no-op in GL).
    int uniform_if_active(const char* name) const;

private:
    unsigned m_program = 0;
    std::string m_names;  // "fullscreen.vert + display.frag", for messages
};

// The source of shaders/NAME; throws RenderError listing the embedded names when there is none.
std::string shader_source(const std::string& name);

// `source` with `#define NAME 1` for each of `defines` after its #version line, then `#line 2`, so the
// compiler's line numbers stay the file's. Throws RenderError when there is no #version line to follow. Pure.
std::string with_defines(const std::string& source, const std::vector<std::string>& defines);

// A compiler's info log as messages that name the file: each line the driver gives as "0:12(5): error: ..."
// (Mesa), "0(12) : error C0000: ..." (NVIDIA) or "ERROR: 0:12: ..." (AMD, Intel) becomes
// "shaders/NAME:12: error: ..."; other lines keep their text after "shaders/NAME: ". Pure; tested.
std::string shader_log_message(const std::string& name, const std::string& log);

}  // namespace ganscope
