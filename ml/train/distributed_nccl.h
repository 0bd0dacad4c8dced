// The NCCL backend for GPU ranks, kept apart so that only this file needs the CUDA and NCCL headers.
// Called by DistGroup on the trainer thread.
#pragma once

#include <chrono>

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace ganscope {

// ProcessGroupNCCL over `store`; throws DistError when this build has no NCCL (no CUDA toolkit at build time).
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout, int device_index);
bool have_nccl();

}  // namespace ganscope
