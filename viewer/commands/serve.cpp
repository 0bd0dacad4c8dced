// `--serve [HOST:]PORT` and `--token T` on the commands that run a training or a window. Main thread.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "viewer/commands/commands.h"

namespace ganscope {

void add_serve_options(Args& args) {
    args.text("serve", "[HOST:]PORT",
              "serve the run over HTTP for `ganscope watch http://HOST:PORT` and browsers (default host 127.0.0.1; "
              "reach it from elsewhere with ssh -L PORT:127.0.0.1:PORT)");
    args.text("token", "T", "with --serve: the token commands need (default: generated, printed, in runs/NAME/serve.token)");
}

namespace {

// Whether the run got past starting without failing (a trainer holds its folder's lock by then).
bool run_started(const RunSource& source, const std::function<bool()>& give_up) {
    for (;;) {
        const auto s = source.status().latest();
        if (s && s->state != TrainerState::Starting) return s->state != TrainerState::Failed;
        if (give_up && give_up()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

std::unique_ptr<RunServer> start_serving(const Args& args, RunSource& source, const std::function<bool()>& give_up) {
    if (!args.has("serve")) {
        if (args.has("token")) throw UsageError("--token goes with --serve");
        return nullptr;
    }
    ServeOptions options;
    try {
        parse_serve_address(args.get("serve"), options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    options.token = args.get("token", "");
    if (!options.token.empty() && options.token.size() < 16)
        throw UsageError("--token: use at least 16 characters (or leave it out for a generated one)");
    if (!run_started(source, give_up)) return nullptr;
    if (const std::string dir = source.run_dir(); !dir.empty() && source.capabilities().writes_run) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        options.token_file = dir + "/serve.token";
    }
    auto server = std::make_unique<RunServer>(source, options);
    std::cout << "ganscope: serving " << server->url() << " (token " << server->token()
              << (options.token_file.empty() ? "" : ", also in " + options.token_file) << ")";
    if (!is_loopback(options.host)) std::cout << "; off loopback every request needs the token";
    std::cout << std::endl;
    return server;
}

}  // namespace ganscope
