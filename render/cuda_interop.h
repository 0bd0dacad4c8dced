// The CUDA face of a texture: the GL texture registered with CUDA once, filled straight from device memory on
// its own stream after the producer's event. Generated images (FloatImages) are copied as they are, floats into
// the mapped array, no conversion kernel: the display shaders turn them into colour, as on the CPU path. Plain
// pointers only (no torch). GL thread only.
#pragma once

#include <memory>
#include <string>

// cudaEvent_t is `CUevent_st*`; declaring the struct keeps CUDA headers out of every includer.
struct CUevent_st;

namespace ganscope {

class FloatImages;

// True when this build has CUDA and cudaGetDeviceCount finds at least one device. `reason` says why not.
bool cuda_device_available(int* count = nullptr, std::string* reason = nullptr);

class CudaTextureLink {
public:
    // Throws RenderError when CUDA is unavailable or the device cannot be selected.
    explicit CudaTextureLink(int cuda_device = 0);
    ~CudaTextureLink();
    CudaTextureLink(const CudaTextureLink&) = delete;
    CudaTextureLink& operator=(const CudaTextureLink&) = delete;

    // Fills `images` from device memory holding N x C x H x W contiguous floats in [-1, 1] (C = 1 or 3): one
    // cudaMemcpy2DToArrayAsync per image into the mapped array layer.
    // `ready` (may be null) is recorded by the producer after it wrote `device_nchw`; this link's stream waits on
    // it (never the whole device) and unmaps before returning, so GL may sample the images right away.
    // (Re)registers when the storage changes. The source must stay valid until the next update (or destruction):
    // each update first waits for the previous one's copy, so callers can release the previous source safely.
    void update_float_images(FloatImages& images, const float* device_nchw, int count, int channels, int height,
                             int width, CUevent_st* ready);
    double last_update_ms() const { return m_last_ms; }  // wall time of the last update on the GL thread
    int device() const { return m_device; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_device = 0;
    double m_last_ms = 0;
};

}  // namespace ganscope
