// RunCommand as the HTTP API's JSON ({"command": "lr", "lr_g": 2e-4, "lr_d": 2e-4}), both ways, in one place: the
// server reads it, a watching window writes it. Any thread.
#pragma once

#include <nlohmann/json.hpp>

#include "ml/train/run_command.h"

namespace ganscope {

// {"command": NAME, ...values}; Revert has no JSON form (it is not offered over the network) and throws.
nlohmann::json command_to_json(const RunCommand& command);

// The command a client sent, with its values' types checked (steps and batch are whole numbers, rates are numbers;
// "lr" alone sets both rates) and then command_problem's ranges. Throws std::invalid_argument with one line for
// the client: what was wrong and what to send.
RunCommand command_from_json(const nlohmann::json& body);

}  // namespace ganscope
