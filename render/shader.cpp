// ShaderProgram (see shader.h): compile, link, and error messages that name shaders/FILE:LINE. GL thread only.
#include "render/shader.h"

#include <algorithm>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "render/gl_check.h"
#include "shaders/embedded_shaders.h"

namespace ganscope {
namespace {

std::string info_log(unsigned object, bool program) {
    GLint length = 0;
    if (program) glGetProgramiv(object, GL_INFO_LOG_LENGTH, &length);
    else glGetShaderiv(object, GL_INFO_LOG_LENGTH, &length);
    std::string log(size_t(std::max(length, 1)), '\0');
    if (program) glGetProgramInfoLog(object, length, nullptr, log.data());
    else glGetShaderInfoLog(object, length, nullptr, log.data());
    log.resize(log.find('\0') == std::string::npos ? log.size() : log.find('\0'));
    return log;
}

unsigned compile(GLenum stage, const std::string& name, const std::string& source) {
    unsigned shader = glCreateShader(stage);
    if (!shader) throw RenderError("glCreateShader failed for shaders/" + name + "; is a GL context current?");
    const char* text = source.c_str();
    glShaderSource(shader, 1, &text, nullptr);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        std::string message = shader_log_message(name, info_log(shader, false));
        glDeleteShader(shader);
        throw RenderError(message);
    }
    return shader;
}

}  // namespace

std::string shader_source(const std::string& name) {
    if (const char* source = embedded_shader(name.c_str())) return source;
    std::string known;
    for (const std::string& n : embedded_shader_names()) known += (known.empty() ? "" : ", ") + n;
    throw RenderError("no shader shaders/" + name + " was embedded in this build (embedded: " + known +
                      "); add the file to shaders/ and rebuild");
}

std::string shader_log_message(const std::string& name, const std::string& log) {
    static const std::regex mesa(R"(^\s*\d+:(\d+)\(\d+\):\s*(.*)$)");        // 0:12(5): error: ...
    static const std::regex nvidia(R"(^\s*\d+\((\d+)\)\s*:\s*(.*)$)");       // 0(12) : error C0000: ...
    static const std::regex amd(R"(^\s*(ERROR|WARNING):\s*\d+:(\d+):\s*(.*)$)");  // ERROR: 0:12: ...
    std::istringstream lines(log);
    std::string line, out;
    std::smatch m;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::string text;
        if (std::regex_match(line, m, mesa) || std::regex_match(line, m, nvidia))
            text = "shaders/" + name + ":" + m[1].str() + ": " + m[2].str();
        else if (std::regex_match(line, m, amd))
            text = "shaders/" + name + ":" + m[2].str() + ": " + (m[1].str() == "ERROR" ? "error: " : "warning: ") +
                   m[3].str();
        else
            text = "shaders/" + name + ": " + line;
        out += (out.empty() ? "" : "\n") + text;
    }
    return out.empty() ? "shaders/" + name + ": the driver rejected it without a message" : out;
}

std::string with_defines(const std::string& source, const std::vector<std::string>& defines) {
    if (defines.empty()) return source;
    const size_t version = source.find("#version");
    const size_t end = version == std::string::npos ? version : source.find('\n', version);
    if (end == std::string::npos)
        throw RenderError("a shader variant needs a #version line to put its defines after");
    // The #version line's own number, so `#line` hands the next line the number it has in the file.
    const int version_line = 1 + int(std::count(source.begin(), source.begin() + long(version), '\n'));
    std::string block;
    for (const std::string& d : defines) block += "#define " + d + " 1\n";
    block += "#line " + std::to_string(version_line + 1) + "\n";
    return source.substr(0, end + 1) + block + source.substr(end + 1);
}

ShaderProgram::ShaderProgram(const std::string& vertex, const std::string& fragment,
                             const std::vector<std::string>& defines)
    : ShaderProgram(vertex, shader_source(vertex), fragment, with_defines(shader_source(fragment), defines)) {
    for (const std::string& d : defines) m_names += (&d == &defines.front() ? " [" : ", ") + d;
    if (!defines.empty()) m_names += "]";
}

ShaderProgram::ShaderProgram(const std::string& vertex_name, const std::string& vertex_source,
                             const std::string& fragment_name, const std::string& fragment_source)
    : m_names(vertex_name + " + " + fragment_name) {
    unsigned vs = compile(GL_VERTEX_SHADER, vertex_name, vertex_source);
    unsigned fs = 0;
    try {
        fs = compile(GL_FRAGMENT_SHADER, fragment_name, fragment_source);
    } catch (...) {
        glDeleteShader(vs);
        throw;
    }
    m_program = glCreateProgram();
    glAttachShader(m_program, vs);
    glAttachShader(m_program, fs);
    glLinkProgram(m_program);
    glDetachShader(m_program, vs);
    glDetachShader(m_program, fs);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(m_program, GL_LINK_STATUS, &ok);
    if (!ok) {
        // A link error belongs to the pair; the fragment shader is where inputs and outputs usually disagree.
        std::string message = shader_log_message(fragment_name, info_log(m_program, true));
        glDeleteProgram(m_program);
        m_program = 0;
        throw RenderError("linking shaders/" + vertex_name + " with shaders/" + fragment_name + " failed:\n" +
                          message);
    }
    check_gl_error(("building the program " + m_names).c_str(), __FILE__, __LINE__);
}

ShaderProgram::~ShaderProgram() {
    if (m_program) glDeleteProgram(m_program);  // no check: destruction must not throw
}

ShaderProgram::ShaderProgram(ShaderProgram&& other) noexcept { *this = std::move(other); }

ShaderProgram& ShaderProgram::operator=(ShaderProgram&& other) noexcept {
    if (this != &other) {
        std::swap(m_program, other.m_program);
        std::swap(m_names, other.m_names);
    }
    return *this;
}

int ShaderProgram::uniform(const char* name) const {
    int location = glGetUniformLocation(m_program, name);
    if (location < 0)
        throw RenderError("the program " + m_names + " has no active uniform '" + name +
                          "' (misspelt, or unused in the shader and optimised away)");
    return location;
}

int ShaderProgram::uniform_if_active(const char* name) const { return glGetUniformLocation(m_program, name); }

}  // namespace ganscope
