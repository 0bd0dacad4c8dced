// `--serve [HOST:]PORT` and `--token T` on the commands that run a training or a window. Main thread.
#include <filesystem>
#include <iostream>

#include "viewer/commands/commands.h"

namespace ganscope {

void add_serve_options(Args& args) {
    args.text("serve", "[HOST:]PORT",
              "serve the run over HTTP for `ganscope watch http://HOST:PORT` and browsers (default host 127.0.0.1; "
              "reach it from elsewhere with ssh -L PORT:127.0.0.1:PORT)");
    args.text("token", "T", "with --serve: the token commands need (default: generated, printed, in runs/NAME/serve.token)");
}

std::unique_ptr<RunServer> start_serving(const Args& args, RunSource& source) {
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
