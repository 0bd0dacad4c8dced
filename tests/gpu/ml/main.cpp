// ml_gpu_tests entry point: the ml core's CUDA cases (label gpu). Without a GPU it says so and exits 77, which
// ctest reports as skipped: never a silent pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include <torch/torch.h>

int main(int argc, char** argv) {
    if (!torch::cuda::is_available()) {
        std::printf("SKIPPED: ml_gpu_tests needs a CUDA GPU, and torch::cuda::is_available() is false here\n");
        return 77;
    }
    // Deterministic kernels, so an exact resume can be told from the noise of atomics in the backward passes.
    at::globalContext().setDeterministicCuDNN(true);
    std::printf("ml_gpu_tests on %d GPU(s)\n", int(torch::cuda::device_count()));
    doctest::Context context(argc, argv);
    return context.run();
}
