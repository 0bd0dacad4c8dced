// Reads and writes files in the format of Python's torch.save holding a dict of tensors (a state_dict): the zip format
// (PyTorch >= 1.6) and the legacy format of older releases, in which the reference's published pix2pix
// models were saved. libtorch's own unpickler turns collections.OrderedDict into None, hence this reader.
// Any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ganscope {

// Entries in file order. Throws std::runtime_error naming the file and what it found when the file is not
// a torch.save'd dict of tensors.
std::vector<std::pair<std::string, torch::Tensor>> read_torch_save(const std::string& path);

// Writes a dict of tensors as torch.save does (zip format, an OrderedDict), atomically (temp file + rename),
// so Python's torch.load (weights_only included) reads it. Throws std::runtime_error naming the file.
void write_torch_save(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& state);

}  // namespace ganscope
