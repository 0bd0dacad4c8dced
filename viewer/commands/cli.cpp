// The command line on CLI11: declarations, typed reads, and one-line errors.
#include "viewer/commands/cli.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

namespace ganscope {
namespace {

// CLI11 checks whole numbers and reals itself; these say what was expected in the project's words.
CLI::Validator whole_number(const std::string& value_name) {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            char* end = nullptr;
            errno = 0;
            std::strtoll(value.c_str(), &end, 10);
            if (value.empty() || *end || errno == ERANGE) return "expected a whole number, got '" + value + "'";
            return "";
        },
        "", "whole number");
}

CLI::Validator real_number() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            char* end = nullptr;
            std::strtod(value.c_str(), &end);
            if (value.empty() || *end) return "expected a number, got '" + value + "'";
            return "";
        },
        "", "number");
}

CLI::Validator one_of(const std::vector<std::string>& values) {
    std::string joined;
    for (size_t i = 0; i < values.size(); ++i)
        joined += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i];
    return CLI::Validator(
        [values, joined](std::string& value) -> std::string {
            for (const auto& v : values)
                if (v == value) return "";
            return "use " + joined + ", not '" + value + "'";
        },
        "", "one of");
}

// The most specific command that was given, for messages and dispatch.
CLI::App* chosen(CLI::App* app) {
    while (!app->get_subcommands().empty()) app = app->get_subcommands().front();
    return app;
}

std::string full_name(const CLI::App* app) {
    std::string name;
    for (const CLI::App* a = app; a; a = a->get_parent()) name = a->get_name() + (name.empty() ? "" : " " + name);
    return name;
}

int g_argc = 0;
char** g_argv = nullptr;

}  // namespace

int raw_argc() { return g_argc; }
char** raw_argv() { return g_argv; }

CLI::Option* Args::flag(const std::string& name, const std::string& help) {
    return m_app->add_flag("--" + name, help);
}

CLI::Option* Args::text(const std::string& name, const std::string& value_name, const std::string& help) {
    return m_app->add_option("--" + name, help)
        ->type_name(value_name)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

CLI::Option* Args::texts(const std::string& name, const std::string& value_name, const std::string& help) {
    return m_app->add_option("--" + name, help)
        ->type_name(value_name)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Option* Args::whole(const std::string& name, const std::string& value_name, const std::string& help) {
    return text(name, value_name, help)->check(whole_number(value_name));
}

CLI::Option* Args::number(const std::string& name, const std::string& value_name, const std::string& help) {
    return text(name, value_name, help)->check(real_number());
}

CLI::Option* Args::choice(const std::string& name, const std::vector<std::string>& values, const std::string& help) {
    std::string joined;
    for (const auto& v : values) joined += (joined.empty() ? "" : "|") + v;
    return text(name, joined, help)->check(one_of(values));
}

CLI::Option* Args::positional(const std::string& value_name, const std::string& help) {
    return m_app->add_option(value_name, m_positionals, help)->type_name("");
}

CLI::Option* Args::find(const std::string& name) const {
    CLI::Option* option = m_app->get_option_no_throw("--" + name);
    if (!option) throw std::logic_error("option --" + name + " is not declared on `" + command_name() + "`");
    return option;
}

bool Args::has(const std::string& name) const { return find(name)->count() > 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
    const CLI::Option* option = find(name);
    if (option->count() == 0 || option->results().empty()) return fallback;
    return option->results().back();
}

int64_t Args::get_int64(const std::string& name, int64_t fallback) const {
    if (!has(name)) return fallback;
    return std::strtoll(get(name).c_str(), nullptr, 10);  // checked by whole_number when parsed
}

int Args::get_int(const std::string& name, int fallback) const {
    const int64_t v = get_int64(name, fallback);
    if (v < INT32_MIN || v > INT32_MAX) throw UsageError("--" + name + " " + get(name) + ": out of range");
    return int(v);
}

double Args::get_double(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    return std::strtod(get(name).c_str(), nullptr);  // checked by real_number when parsed
}

std::string Args::command_name() const { return full_name(m_app); }

CommandLine::CommandLine() : m_app(std::make_unique<CLI::App>("ganscope: train GANs and watch them learn", "ganscope")) {
    m_app->allow_extras();  // unknown options are reported by run(), in one line
    m_app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

CommandLine::~CommandLine() = default;

Args& CommandLine::root(Run run) {
    if (m_commands.empty() || m_commands.front().args->app() != m_app.get())
        m_commands.insert(m_commands.begin(), Command{std::make_unique<Args>(m_app.get()), nullptr});
    m_commands.front().run = std::move(run);
    return *m_commands.front().args;
}

Args& CommandLine::add(Args* parent, const std::string& name, const std::string& description, Run run) {
    CLI::App* parent_app = parent ? parent->app() : m_app.get();
    CLI::App* sub = parent_app->add_subcommand(name, description);
    sub->allow_extras();
    if (!run) sub->require_subcommand(1);
    m_commands.push_back(Command{std::make_unique<Args>(sub), std::move(run)});
    return *m_commands.back().args;
}

void CommandLine::version(std::function<std::string()> text) {
    m_app->set_version_flag("--version", std::move(text), "print the versions of ganscope, libtorch, CUDA, Dear ImGui, GLFW");
}

void CommandLine::examples(const std::string& text) { m_app->footer(text); }

int CommandLine::run(int argc, char** argv) {
    g_argc = argc;
    g_argv = argv;
    try {
        m_app->parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return m_app->exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return m_app->exit(e);
    } catch (const CLI::CallForVersion& e) {
        return m_app->exit(e);
    } catch (const CLI::ParseError& e) {
        const CLI::App* app = chosen(m_app.get());
        std::cerr << full_name(app) << ": " << e.what() << "; see `" << full_name(app) << " --help`" << std::endl;
        return 2;
    }
    CLI::App* app = chosen(m_app.get());
    const std::string name = full_name(app);
    // Extras: an unknown option, or (on the root) an unknown command.
    for (CLI::App* a = app; a; a = a->get_parent()) {
        const std::vector<std::string> extra = a->remaining();
        if (extra.empty()) continue;
        const std::string& first = extra.front();
        if (first.rfind("-", 0) == 0)
            std::cerr << name << ": unknown option " << first << "; see `" << name << " --help`" << std::endl;
        else if (a == m_app.get() && app == a)
            std::cerr << "ganscope: unknown command '" << first << "'; see `ganscope --help`" << std::endl;
        else
            std::cerr << name << ": unexpected argument '" << first << "'; see `" << name << " --help`" << std::endl;
        return 2;
    }
    for (const Command& c : m_commands) {
        if (c.args->app() != app) continue;
        if (!c.run) break;
        try {
            return c.run(*c.args);
        } catch (const UsageError& e) {
            std::cerr << name << ": " << e.what() << std::endl;
            return 2;
        }
    }
    std::cerr << name << ": nothing to run; see `" << name << " --help`" << std::endl;
    return 2;
}

}  // namespace ganscope
