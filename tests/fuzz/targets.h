// Fuzz targets: each takes one input and either accepts it or refuses it with an exception; anything else
// (a sanitizer report, a signal, a hang) is a bug. They link only the torch-free readers. One thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ganscope::fuzz {

// Returns true when the input was accepted, false when it was refused by an exception.
using Target = bool (*)(const uint8_t* data, size_t size);
Target find_target(const std::string& name);
const char* target_names();  // "pickle torch_save checkpoint ... safetensors"

}  // namespace ganscope::fuzz
