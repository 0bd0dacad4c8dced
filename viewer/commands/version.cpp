// `ganscope --version`: the versions ganscope was built with, and whether a GPU is here. Main thread.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <implot.h>
#include <torch/torch.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include "viewer/commands/commands.h"

namespace ganscope {

std::string version_text() {
    // The CUDA runtime libtorch was built with; "none" for a CPU-only libtorch (its hooks then throw).
    std::string cuda = "none";
    try {
        const long v = at::detail::getCUDAHooks().versionCUDART();
        if (v > 0) cuda = std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
    } catch (const std::exception&) {
    }
    if (torch::cuda::is_available()) cuda += " (" + std::to_string(torch::cuda::device_count()) + " GPU(s))";
    else if (cuda != "none") cuda += " (no GPU here)";
    int major = 0, minor = 0, revision = 0;
    glfwGetVersion(&major, &minor, &revision);
    return std::string("ganscope ") + GANSCOPE_VERSION + " (" + build_commit() + ")\nlibtorch " + TORCH_VERSION +
           "\nCUDA " + cuda + "\nDear ImGui " + IMGUI_VERSION +
#ifdef IMGUI_HAS_DOCK
           " (docking)" +
#endif
           "\nImPlot " + IMPLOT_VERSION + " (imgui-bundle " + GANSCOPE_IMGUI_BUNDLE + ")\nGLFW " +
           std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

}  // namespace ganscope
