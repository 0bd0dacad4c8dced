// A small command-line parser: `--name value`, `--name=value`, boolean flags and positionals. Main thread.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganscope {

// Thrown for a bad command line; what() is one line naming the option and what to do.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // `flags` take no value; `options` take one. Anything else starting with -- is an error.
    Args(int argc, char** argv, std::set<std::string> flags, std::set<std::string> options);

    bool has(const std::string& name) const { return m_values.count(name) > 0; }
    std::string get(const std::string& name, const std::string& fallback = "") const;
    int get_int(const std::string& name, int fallback) const;
    int64_t get_int64(const std::string& name, int64_t fallback) const;
    double get_double(const std::string& name, double fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

private:
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
};

}  // namespace ganscope
