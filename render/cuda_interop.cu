// CudaTextureLink (see cuda_interop.h): GL texture registered once, mapped per update, filled on our own stream
// after the producer's event, unmapped before GL draws. GL thread only.
#include <glad/gl.h>  // before cuda_gl_interop.h, whose GL/gl.h include glad's guard then skips

#include <cuda_gl_interop.h>
#include <cuda_runtime.h>

#include <chrono>
#include <string>

#include "render/cuda_interop.h"
#include "render/float_images.h"
#include "render/gl_check.h"

// A failed call leaves its error recorded in the runtime; cudaGetLastError clears it before we throw, so the
// next, unrelated check (the CPU fallback's, say) does not report this one again.
#define GANSCOPE_CUDA_CHECK(expr)                                                                                 \
    do {                                                                                                          \
        cudaError_t _err = (expr);                                                                                \
        if (_err != cudaSuccess) {                                                                                \
            cudaGetLastError();                                                                                   \
            throw ::ganscope::RenderError(std::string(cudaGetErrorName(_err)) + " (" + cudaGetErrorString(_err) + \
                                          ") from " #expr " at " __FILE__ ":" + std::to_string(__LINE__));        \
        }                                                                                                         \
    } while (0)

namespace ganscope {

struct CudaTextureLink::Impl {
    cudaStream_t stream = nullptr;
    cudaGraphicsResource_t resource = nullptr;
    unsigned registered_texture = 0;
    int registered_width = 0, registered_height = 0;
    cudaEvent_t done = nullptr;  // recorded after each update's unmap
    bool pending = false;

    // The previous update's source may be released by the caller now.
    void wait_previous() {
        if (pending) GANSCOPE_CUDA_CHECK(cudaEventSynchronize(done));
        pending = false;
    }
    void mark_pending() {
        GANSCOPE_CUDA_CHECK(cudaEventRecord(done, stream));
        pending = true;
    }

    ~Impl() {
        // Best effort on teardown: destructors must not throw.
        if (done) cudaEventSynchronize(done);
        if (resource) cudaGraphicsUnregisterResource(resource);
        if (done) cudaEventDestroy(done);
        if (stream) cudaStreamDestroy(stream);
    }

    // Registers a texture's current storage; again whenever its name or size changed (allocate() replaced it).
    void ensure_registered(unsigned id, GLenum target, int width, int height) {
        if (resource && registered_texture == id && registered_width == width && registered_height == height) return;
        if (resource) GANSCOPE_CUDA_CHECK(cudaGraphicsUnregisterResource(resource));
        resource = nullptr;
        GANSCOPE_CUDA_CHECK(
            cudaGraphicsGLRegisterImage(&resource, id, target, cudaGraphicsRegisterFlagsWriteDiscard));
        registered_texture = id;
        registered_width = width;
        registered_height = height;
    }
    void unregister() {
        if (resource) GANSCOPE_CUDA_CHECK(cudaGraphicsUnregisterResource(resource));
        resource = nullptr;
        registered_texture = 0;
    }

    // Each image's planes (width floats a row, channels * height rows) into its mapped array layer.
    void copy_into_layers(const float* nchw, int count, int channels, int height, int width) {
        GANSCOPE_CUDA_CHECK(cudaGraphicsMapResources(1, &resource, stream));
        cudaError_t err = cudaSuccess;
        const size_t row = size_t(width) * sizeof(float), plane = size_t(channels) * height * width;
        for (int layer = 0; layer < count && err == cudaSuccess; ++layer) {
            cudaArray_t array = nullptr;
            err = cudaGraphicsSubResourceGetMappedArray(&array, resource, unsigned(layer), 0);
            if (err == cudaSuccess)
                err = cudaMemcpy2DToArrayAsync(array, 0, 0, nchw + layer * plane, row, row,
                                               size_t(channels) * height, cudaMemcpyDeviceToDevice, stream);
        }
        // Always unmap, even after a failed copy: a texture left mapped while GL samples it is undefined.
        cudaError_t unmap = cudaGraphicsUnmapResources(1, &resource, stream);
        GANSCOPE_CUDA_CHECK(err);
        GANSCOPE_CUDA_CHECK(unmap);
    }
};

bool cuda_device_available(int* count, std::string* reason) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (count) *count = err == cudaSuccess ? n : 0;
    if (err != cudaSuccess) {
        cudaGetLastError();  // clear the recorded error so a later, unrelated check does not report it
        if (reason) *reason = std::string("no CUDA device: ") + cudaGetErrorString(err);
        return false;
    }
    if (n == 0) {
        if (reason) *reason = "no CUDA device found";
        return false;
    }
    return true;
}

CudaTextureLink::CudaTextureLink(int cuda_device) : m_device(cuda_device) {
    std::string reason;
    if (!cuda_device_available(nullptr, &reason))
        throw RenderError("CUDA-GL interop is not available: " + reason);
    GANSCOPE_CUDA_CHECK(cudaSetDevice(cuda_device));
    m_impl = std::make_unique<Impl>();
    GANSCOPE_CUDA_CHECK(cudaStreamCreateWithFlags(&m_impl->stream, cudaStreamNonBlocking));
    GANSCOPE_CUDA_CHECK(cudaEventCreateWithFlags(&m_impl->done, cudaEventDisableTiming));
}

CudaTextureLink::~CudaTextureLink() = default;

void CudaTextureLink::update_float_images(FloatImages& images, const float* device_nchw, int count, int channels,
                                          int height, int width, CUevent_st* ready) {
    auto t0 = std::chrono::steady_clock::now();
    m_impl->wait_previous();
    // A new shape is new storage under a new (maybe reused) name: drop the old registration before GL deletes it.
    if (images.empty() || images.count() != count || images.channels() != channels || images.height() != height ||
        images.width() != width)
        m_impl->unregister();
    images.allocate(count, channels, height, width);  // throws naming a bad shape
    m_impl->ensure_registered(images.id(), GL_TEXTURE_2D_ARRAY, width, channels * height * count);
    if (ready) GANSCOPE_CUDA_CHECK(cudaStreamWaitEvent(m_impl->stream, ready, 0));
    m_impl->copy_into_layers(device_nchw, count, channels, height, width);
    m_impl->mark_pending();
    // GL's commands after the unmap see the copy (the unmap orders them).
    images.finish_external_write();
    m_last_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace ganscope
