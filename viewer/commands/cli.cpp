// Command-line parsing.
#include "viewer/commands/cli.h"

#include <cstdlib>

namespace ganscope {

Args::Args(int argc, char** argv, std::set<std::string> flags, std::set<std::string> options) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2), value;
        const auto eq = name.find('=');
        const bool inline_value = eq != std::string::npos;
        if (inline_value) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (inline_value) throw UsageError("--" + name + " takes no value");
            m_values[name] = "1";
        } else if (options.count(name)) {
            if (!inline_value) {
                if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
                value = argv[++i];
            }
            m_values[name] = value;
        } else {
            throw UsageError("unknown option --" + name + "; see `ganscope --help`");
        }
    }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

int64_t Args::get_int64(const std::string& name, int64_t fallback) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) return fallback;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end) throw UsageError("--" + name + " " + it->second + ": expected a whole number");
    return v;
}

int Args::get_int(const std::string& name, int fallback) const { return int(get_int64(name, fallback)); }

double Args::get_double(const std::string& name, double fallback) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end) throw UsageError("--" + name + " " + it->second + ": expected a number");
    return v;
}

}  // namespace ganscope
