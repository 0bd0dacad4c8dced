// The CUDA face of a Texture: the GL texture registered with CUDA once, filled straight from device memory on
// its own stream after the producer's event. Plain pointers only (no torch). GL thread only.
#pragma once

#include <memory>
#include <string>

// cudaEvent_t is `CUevent_st*`; declaring the struct keeps CUDA headers out of every includer.
struct CUevent_st;

namespace ganscope {

class Texture;

// True when this build has CUDA and cudaGetDeviceCount finds at least one device. `reason` says why not.
bool cuda_device_available(int* count = nullptr, std::string* reason = nullptr);

class CudaTextureLink {
public:
    // Throws RenderError when CUDA is unavailable or the device cannot be selected.
    explicit CudaTextureLink(int cuda_device = 0);
    ~CudaTextureLink();
    CudaTextureLink(const CudaTextureLink&) = delete;
    CudaTextureLink& operator=(const CudaTextureLink&) = delete;

    // Fills `texture` from device memory holding C x H x W floats in [-1, 1] (C = 1 or 3, contiguous).
    // `ready` (may be null) is recorded by the producer after it wrote `device_chw`; this link's stream waits on
    // it (never the whole device), converts with a small kernel, copies into the mapped array and unmaps before
    // returning, so GL may sample the texture right away. (Re)registers when the texture's storage changes.
    // The source must stay valid until the next update (or destruction): each update first waits for the
    // previous one's copy, which long finished by then, so callers can release the previous source safely.
    void update_from_chw(Texture& texture, const float* device_chw, int channels, int height, int width,
                         CUevent_st* ready);
    // Same from device RGBA8 rows (`pitch` bytes apart): one cudaMemcpy2DToArray.
    void update_from_rgba8(Texture& texture, const unsigned char* device_rgba, int width, int height,
                           size_t pitch, CUevent_st* ready);

    double last_update_ms() const { return m_last_ms; }  // wall time of the last update on the GL thread
    int device() const { return m_device; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_device = 0;
    double m_last_ms = 0;
};

}  // namespace ganscope
