// Running the project venv's Python scripts in tests/python from tests (torch and tensorboard live there), their
// output as text. Test thread only.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ml/build_paths.h"

namespace ganscope::test {

inline std::string python() { return reference_python(); }

// Runs `python tests/python/SCRIPT ARGS`; returns its exit code and fills `out` with its stdout.
inline int run_python(const std::string& script, const std::string& args, std::string* out = nullptr) {
    const std::string cmd =
        "'" + reference_python() + "' '" + build_source_dir() + "/tests/python/" + script + "' " + args;
    std::FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE_MESSAGE(pipe, "cannot run " << cmd);
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
    const int status = pclose(pipe);
    if (out) *out = text;
    else if (!text.empty()) MESSAGE(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// interop.py: PyTorch models that load ganscope's exports (torch).
inline int run_interop(const std::string& args, std::string* out = nullptr) { return run_python("interop.py", args, out); }
// tensorboard_read.py: TensorBoard's reader on a folder or file, as JSON (no torch).
inline int run_tensorboard_read(const std::string& path, std::string* out) {
    return run_python("tensorboard_read.py", "'" + path + "'", out);
}

}  // namespace ganscope::test
