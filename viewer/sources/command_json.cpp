// RunCommand <-> the HTTP API's JSON (command_json.h).
#include "viewer/sources/command_json.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "ml/formats/safe_text.h"

namespace ganscope {

namespace {

const char* kUsage = "send {\"command\": \"pause\"|\"resume\"|\"step\"|\"save\"|\"lr\"|\"batch\", ...}";

// A whole number within int's range, given as a JSON integer or as a float with no fraction (2.0); 2.5 and "2" are
// refused rather than rounded.
int whole_number(const nlohmann::json& body, const char* key, int fallback) {
    if (!body.contains(key)) return fallback;
    const nlohmann::json& v = body[key];
    double x = 0;
    if (v.is_number_integer() || v.is_number_unsigned()) {
        x = v.get<double>();
    } else if (v.is_number_float()) {
        x = v.get<double>();
        if (!std::isfinite(x) || x != std::floor(x))
            throw std::invalid_argument(std::string(key) + ": " + v.dump() + " is not a whole number");
    } else {
        throw std::invalid_argument(std::string(key) + ": give a whole number, not " + escape_bytes(v.dump(), 40));
    }
    if (x < -2147483648.0 || x > 2147483647.0)
        throw std::invalid_argument(std::string(key) + ": " + v.dump() + " is out of range");
    return int(x);
}

double number(const nlohmann::json& body, const char* key, double fallback) {
    if (!body.contains(key)) return fallback;
    const nlohmann::json& v = body[key];
    if (!v.is_number())
        throw std::invalid_argument(std::string(key) + ": give a number, not " + escape_bytes(v.dump(), 40));
    return v.get<double>();
}

}  // namespace

nlohmann::json command_to_json(const RunCommand& c) {
    nlohmann::json j = {{"command", command_name(c.kind)}};
    switch (c.kind) {
        case RunCommand::Kind::Step: j["steps"] = c.steps; break;
        case RunCommand::Kind::LearningRates:
            j["lr_g"] = c.lr_g;
            j["lr_d"] = c.lr_d;
            break;
        case RunCommand::Kind::BatchSize: j["batch"] = c.batch_size; break;
        case RunCommand::Kind::Revert:
            throw std::invalid_argument("revert is not offered over the network; revert where the run trains");
        default: break;
    }
    return j;
}

RunCommand command_from_json(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("command") || !j["command"].is_string()) throw std::invalid_argument(kUsage);
    const std::string name = j["command"].get<std::string>();
    RunCommand c;
    if (name == "pause") {
        c.kind = RunCommand::Kind::Pause;
    } else if (name == "resume") {
        c.kind = RunCommand::Kind::Start;
    } else if (name == "save") {
        c.kind = RunCommand::Kind::Save;
    } else if (name == "step") {
        c.kind = RunCommand::Kind::Step;
        c.steps = whole_number(j, "steps", 1);
    } else if (name == "lr") {
        c.kind = RunCommand::Kind::LearningRates;
        if (!j.contains("lr") && !(j.contains("lr_g") && j.contains("lr_d")))
            throw std::invalid_argument("lr: give lr (or lr_g and lr_d) in (0, 1)");
        const double both = number(j, "lr", 0.0);
        c.lr_g = number(j, "lr_g", both);
        c.lr_d = number(j, "lr_d", both);
    } else if (name == "batch") {
        c.kind = RunCommand::Kind::BatchSize;
        c.batch_size = whole_number(j, "batch", 0);
    } else {
        throw std::invalid_argument("unknown command '" + escape_bytes(name, 32) +
                                    "': use pause, resume, step, save, lr or batch");
    }
    if (std::string why = command_problem(c); !why.empty()) throw std::invalid_argument(name + ": " + why);
    return c;
}

}  // namespace ganscope
