// Texture: PBO uploads of RGBA8 and [-1, 1] CHW floats read back exactly; the CUDA face where a GPU exists.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "render/cuda_interop.h"
#include "render/float_images.h"
#include "render/image_passes.h"
#include "render/gl_check.h"
#include "render/gl_context.h"
#include "render/texture.h"

using namespace ganscope;

namespace {
std::unique_ptr<GlContext> headless(int w = 16, int h = 16) {
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = w;
    options.height = h;
    return create_context(options);
}
}  // namespace

TEST_CASE("unit_to_byte maps [-1, 1] to [0, 255] with rounding and clamping") {
    CHECK(int(unit_to_byte(-1.0f)) == 0);
    CHECK(int(unit_to_byte(1.0f)) == 255);
    CHECK(int(unit_to_byte(0.0f)) == 128);  // 127.5 rounds up
    CHECK(int(unit_to_byte(-3.0f)) == 0);
    CHECK(int(unit_to_byte(7.0f)) == 255);
    CHECK(int(unit_to_byte(NAN)) == 0);
}

TEST_CASE("RGBA8 upload through the pixel buffer reads back unchanged, also after a resize") {
    auto context = headless();
    Texture texture;
    std::mt19937 rng(3);
    for (auto [w, h] : {std::pair{7, 5}, std::pair{7, 5}, std::pair{33, 2}}) {
        std::vector<uint8_t> pixels(size_t(w) * h * 4);
        for (auto& p : pixels) p = uint8_t(rng());
        texture.upload_rgba8(pixels.data(), w, h);
        CHECK(texture.width() == w);
        CHECK(texture.height() == h);
        CHECK(texture.read_rgba8() == pixels);
    }
    CHECK(texture.updates() == 3);
}

TEST_CASE("CHW float upload converts [-1, 1] planes to interleaved RGBA8") {
    auto context = headless();
    const int w = 5, h = 3;
    std::vector<float> chw(3 * w * h);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> dist(-1.2f, 1.2f);
    for (auto& v : chw) v = dist(rng);
    Texture texture;
    texture.upload_chw(chw.data(), 3, h, w);
    auto back = texture.read_rgba8();
    REQUIRE(back.size() == size_t(w * h * 4));
    for (int i = 0; i < w * h; ++i) {
        CHECK(back[4 * i + 0] == unit_to_byte(chw[i]));
        CHECK(back[4 * i + 1] == unit_to_byte(chw[w * h + i]));
        CHECK(back[4 * i + 2] == unit_to_byte(chw[2 * w * h + i]));
        CHECK(int(back[4 * i + 3]) == 255);
    }
    std::vector<float> gray = {-1.0f, 0.0f, 1.0f};
    texture.upload_chw(gray.data(), 1, 1, 3);
    back = texture.read_rgba8();
    CHECK(int(back[4]) == 128);
    CHECK(int(back[5]) == 128);
    CHECK(int(back[10]) == 255);
    CHECK_THROWS_AS(texture.upload_chw(gray.data(), 2, 1, 1), RenderError);
}

// Decided once, before the cases register: which of the two interop cases runs and which is reported skipped.
const bool kHaveCuda = cuda_device_available();

TEST_CASE("without a CUDA device, the interop link refuses with the reason" * doctest::skip(kHaveCuda)) {
    std::string reason;
    int count = -1;
    CHECK_FALSE(cuda_device_available(&count, &reason));
    CHECK(count == 0);
    CHECK_FALSE(reason.empty());
    CHECK_THROWS_AS(CudaTextureLink(0), RenderError);
}

#ifdef GANSCOPE_HAVE_CUDA
#include <cuda_runtime_api.h>

TEST_CASE("CUDA-GL interop on the EGL device of CUDA device 0 copies float images as the CPU upload does" *
          doctest::skip(!kHaveCuda)) {
    // The EGL device that is the CUDA device: Mesa's surfaceless display (taken when no device is named) cannot
    // register a texture with CUDA.
    ContextOptions options;
    options.kind = ContextKind::Headless;
    options.width = options.height = 16;
    options.cuda_device = 0;
    auto context = create_context(options);
    MESSAGE("GL on ", context->info().renderer, " via ", context->info().platform);
    REQUIRE_MESSAGE(context->info().platform.find("EGL device") != std::string::npos,
                    "no NVIDIA EGL device for CUDA 0 (got ", context->info().platform,
                    "): is the driver's EGL vendor library visible (__EGL_VENDOR_LIBRARY_FILENAMES)?");
    const int n = 3, c = 3, w = 19, h = 8;
    std::vector<float> nchw(size_t(n) * c * w * h);
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> dist(-1.1f, 1.1f);
    for (auto& v : nchw) v = dist(rng);
    FloatImages expected;
    expected.upload(nchw.data(), n, c, h, w);

    void* device = nullptr;
    REQUIRE(cudaMalloc(&device, nchw.size() * sizeof(float)) == cudaSuccess);
    REQUIRE(cudaMemcpy(device, nchw.data(), nchw.size() * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess);
    cudaEvent_t ready = nullptr;
    REQUIRE(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming) == cudaSuccess);
    REQUIRE(cudaEventRecord(ready, nullptr) == cudaSuccess);

    CudaTextureLink link(0);
    FloatImages images;
    link.update_float_images(images, static_cast<const float*>(device), n, c, h, w, ready);
    for (int layer = 0; layer < n; ++layer) CHECK(images.read_layer(layer) == expected.read_layer(layer));
    DisplayPass pass;
    Texture shown, shown_expected;
    pass.draw(images, 2, shown);
    pass.draw(expected, 2, shown_expected);
    CHECK(shown.read_rgba8() == shown_expected.read_rgba8());
    // The same shape reuses the registration; a new shape re-registers.
    link.update_float_images(images, static_cast<const float*>(device), n, c, h, w, ready);
    link.update_float_images(images, static_cast<const float*>(device), 1, 1, h, w, nullptr);
    CHECK(images.count() == 1);
    CHECK(images.read_layer(0) == std::vector<float>(nchw.begin(), nchw.begin() + w * h));
    cudaEventDestroy(ready);
    cudaFree(device);
}

#endif
