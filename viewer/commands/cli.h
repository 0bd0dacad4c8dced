// The command line on CLI11: every command declares its options once, and the same declarations parse,
// validate and print `--help`. Main thread.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ganscope {

// Thrown for a bad command line; what() is one line naming the option and what to do.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One command's options: declared on its CLI11 (sub)command, read back by name after parsing.
// Names are given without the leading dashes ("steps" is --steps).
class Args {
public:
    explicit Args(CLI::App* app) : m_app(app) {}

    // Declaring. Each returns the CLI11 option, for extra checks or exclusions.
    CLI::Option* flag(const std::string& name, const std::string& help);
    CLI::Option* text(const std::string& name, const std::string& value_name, const std::string& help);
    CLI::Option* whole(const std::string& name, const std::string& value_name, const std::string& help);  // an integer
    CLI::Option* number(const std::string& name, const std::string& value_name, const std::string& help);  // a real
    // Given any number of times (--token A --token B): every value, in order, from app()->get_option(...)->results().
    CLI::Option* texts(const std::string& name, const std::string& value_name, const std::string& help);
    CLI::Option* choice(const std::string& name, const std::vector<std::string>& values, const std::string& help);
    // Positional arguments, kept in order (`ganscope timelapse runs/NAME`).
    CLI::Option* positional(const std::string& value_name, const std::string& help);

    // Reading (after parsing). Options never declared on this command throw std::logic_error.
    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    int get_int(const std::string& name, int fallback) const;
    int64_t get_int64(const std::string& name, int64_t fallback) const;
    double get_double(const std::string& name, double fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

    // `ganscope train` and the like, for messages.
    std::string command_name() const;
    CLI::App* app() const { return m_app; }

private:
    CLI::Option* find(const std::string& name) const;

    CLI::App* m_app;
    std::vector<std::string> m_positionals;
};

// The command line as given to the process (CommandLine::run sets it): for a launcher that runs it again.
int raw_argc();
char** raw_argv();

// The whole command tree: the root (`ganscope` with no command opens the window) and its commands.
class CommandLine {
public:
    using Run = std::function<int(const Args&)>;

    CommandLine();
    ~CommandLine();

    // The root's options; `run` is what `ganscope [options]` does.
    Args& root(Run run);
    // A command under `parent` (nullptr: the root). A command without `run` needs one of its own subcommands.
    Args& add(Args* parent, const std::string& name, const std::string& description, Run run = nullptr);

    // `--version` prints what `text` returns; `examples` close the root's --help.
    void version(std::function<std::string()> text);
    void examples(const std::string& text);

    // Parses and runs the chosen command; returns the exit code. --help and --version print and return 0; a bad
    // command line prints one line and returns 2.
    int run(int argc, char** argv);

private:
    std::unique_ptr<CLI::App> m_app;
    struct Command {
        std::unique_ptr<Args> args;
        Run run;
    };
    std::vector<Command> m_commands;
};

}  // namespace ganscope
