// resolve_device (see device.h). Any thread.
#include "ml/train/device.h"

#include <optional>
#include <stdexcept>

namespace ganscope {

torch::Device resolve_device(const std::string& name, int cuda_count) {
    if (name == "auto") return cuda_count > 0 ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    std::optional<torch::Device> device;
    try {
        device.emplace(name);
    } catch (const std::exception&) {
        throw std::invalid_argument("--device " + name + ": use auto, cpu or cuda[:N]");
    }
    if (device->is_cpu()) return torch::Device(torch::kCPU);
    if (!device->is_cuda()) throw std::invalid_argument("--device " + name + ": use auto, cpu or cuda[:N]");
    if (cuda_count <= 0)
        throw std::invalid_argument("--device " + name + ": no CUDA GPU is available here; use --device cpu");
    if (!device->has_index()) return torch::Device(torch::kCUDA, 0);
    if (device->index() >= cuda_count)
        throw std::invalid_argument("--device " + name + ": this machine has " + std::to_string(cuda_count) + " GPU" +
                                    (cuda_count == 1 ? "" : "s") + " (cuda:0" +
                                    (cuda_count > 1 ? " to cuda:" + std::to_string(cuda_count - 1) : std::string()) +
                                    "); use one of them or --device cpu");
    return *device;
}

torch::Device resolve_device(const std::string& name) {
    return resolve_device(name, torch::cuda::is_available() ? int(torch::cuda::device_count()) : 0);
}

}  // namespace ganscope
