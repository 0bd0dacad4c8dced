// ProcessGroupNCCL construction: compiled with NCCL wherever the CUDA toolkit is found at build time,
// chosen at run time for a CUDA device. Trainer thread.
#include "ml/train/distributed_nccl.h"

#include "ml/train/distributed.h"

#ifdef GANSCOPE_HAVE_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace ganscope {

#ifdef GANSCOPE_HAVE_NCCL
bool have_nccl() { return true; }

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout, int device_index) {
    c10::cuda::set_device(c10::DeviceIndex(device_index));  // this rank's GPU is the current one for NCCL's own work
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}
#else
bool have_nccl() { return false; }

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&, int rank, int, std::chrono::milliseconds, int) {
    throw DistError("rank " + std::to_string(rank) +
                    ": this ganscope was built without NCCL (no CUDA toolkit at build time); rebuild with CUDA, or train with --device cpu (Gloo)");
}
#endif

}  // namespace ganscope
