// The one way ganscope opens a libtorch archive (checkpoints, fixed latents, SWD caches, checkpoint bytes from
// rank 0): the torch-free check of ml/formats/archive_check.h first, libtorch's reader only after it. Any thread.
#pragma once

#include <string>

#include <torch/torch.h>

#include "ml/run/module_io.h"

namespace ganscope {

// Throws CheckpointError "<name>: <what> (<why>)" on one line when the file is missing, fails the check
// (nesting, sizes, CRCs, code) or libtorch cannot read it; `what` names the kind ("checkpoint", "fixed latents").
torch::serialize::InputArchive open_checked_archive(const std::string& path, const std::string& what);
torch::serialize::InputArchive open_checked_archive_bytes(const std::string& bytes, const std::string& name,
                                                          const std::string& what);

// What write_tensor_file wrote (torch::save(tensor)): one floating tensor of at most 2 dimensions, every value
// finite. Throws CheckpointError naming the file.
torch::Tensor read_tensor_file(const std::string& path);

// runs/NAME/fixed_latents.pt for a run of `count` latents of `latent_dim`: read_tensor_file plus the shape.
torch::Tensor read_fixed_latents(const std::string& path, int64_t count, int64_t latent_dim);

}  // namespace ganscope
