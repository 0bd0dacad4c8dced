// Which face of RunSource a path or address given for a run needs (see run_source.h). Any thread.
#include <filesystem>
#include <stdexcept>

#include "ml/formats/safe_text.h"
#include "viewer/sources/remote_source.h"
#include "viewer/sources/run_source.h"

namespace ganscope {
namespace fs = std::filesystem;

std::string run_path_problem(const std::string& what) {
    const std::string shown = escape_bytes(what, 200);
    if (what.empty()) return "no run given: a run folder, a checkpoint or http://HOST:PORT";
    if (what.rfind("https://", 0) == 0)
        return shown + ": ganscope serves plain HTTP; reach a remote one through ssh -L and http://127.0.0.1:PORT";
    if (what.rfind("http://", 0) == 0) return "";  // reached on the source's thread; a failure shows in its status
    std::error_code ec;
    if (fs::is_regular_file(what, ec)) {
        const std::string ext = fs::path(what).extension().string();
        if (ext == ".pt" || ext == ".pth") return "";
        return shown + ": not a run (a run folder, a checkpoint .pt or http://HOST:PORT)";
    }
    if (fs::is_directory(what, ec)) {
        if (fs::is_regular_file(fs::path(what) / "config.json", ec)) return "";
        return shown + ": not a run folder (no config.json; `ganscope train --out " + shown + "` writes one)";
    }
    return shown + ": no such run folder, checkpoint or address";
}

std::unique_ptr<RunSource> open_run_source(const std::string& what, const std::string& token, double poll_seconds) {
    if (const std::string problem = run_path_problem(what); !problem.empty()) throw std::runtime_error(problem);
    if (what.rfind("http://", 0) == 0) return make_remote_source(what, token, poll_seconds);
    std::error_code ec;
    if (fs::is_regular_file(what, ec)) return make_checkpoint_source(what);
    return make_folder_source(what, poll_seconds);
}

}  // namespace ganscope
