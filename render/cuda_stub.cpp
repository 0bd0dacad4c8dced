// The CUDA face in builds without the CUDA toolkit: reports "unavailable" so callers take the CPU path.
// (With the toolkit, cuda_interop.cu defines these instead.) Any thread.
#ifndef GANSCOPE_HAVE_CUDA
#include "render/cuda_interop.h"

#include "render/gl_check.h"

namespace ganscope {

struct CudaTextureLink::Impl {};

bool cuda_device_available(int* count, std::string* reason) {
    if (count) *count = 0;
    if (reason) *reason = "ganscope was built without the CUDA toolkit";
    return false;
}

CudaTextureLink::CudaTextureLink(int cuda_device) : m_device(cuda_device) {
    throw RenderError("CUDA-GL interop is not available: ganscope was built without the CUDA toolkit");
}
CudaTextureLink::~CudaTextureLink() = default;
void CudaTextureLink::update_float_images(FloatImages&, const float*, int, int, int, int, CUevent_st*) {}

}  // namespace ganscope
#endif
