// Checked opening of libtorch archives; see checked_archive.h.
#include "ml/run/checked_archive.h"

#include <filesystem>

#include "ml/formats/archive_check.h"
#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

std::string shape_text(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

}  // namespace

torch::serialize::InputArchive open_checked_archive(const std::string& path, const std::string& what) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw CheckpointError(path + ": no such " + what + " file");
    // libtorch's reader recurses on nesting (a 10^6-deep tuple overflows the stack), trusts declared sizes and
    // skips CRCs: the archive is checked first.
    try {
        check_torch_archive_file(path);
    } catch (const std::exception& e) {
        throw CheckpointError(path + ": not a readable " + what + " (" + one_line(e.what(), 300) + ")");
    }
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, torch::Device(torch::kCPU));  // whatever device wrote it
    } catch (const c10::Error& e) {
        throw CheckpointError(path + ": not a readable " + what + " (" + one_line(e.what_without_backtrace(), 200) +
                              ")");
    } catch (const std::exception& e) {
        throw CheckpointError(path + ": not a readable " + what + " (" + one_line(e.what(), 200) + ")");
    }
    return archive;
}

torch::serialize::InputArchive open_checked_archive_bytes(const std::string& bytes, const std::string& name,
                                                          const std::string& what) {
    try {
        ZipArchive zip(ByteSource::memory(bytes.data(), bytes.size()));
        check_torch_archive(zip);
    } catch (const std::exception& e) {
        throw CheckpointError(name + ": not a readable " + what + " (" + one_line(e.what(), 300) + ")");
    }
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(bytes.data(), bytes.size(), torch::Device(torch::kCPU));
    } catch (const std::exception&) {
        throw CheckpointError(name + ": not a readable " + what + " (libtorch cannot read it)");
    }
    return archive;
}

torch::Tensor read_tensor_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw CheckpointError(path + ": no such file");
    try {
        check_tensor_archive_file(path);
    } catch (const std::exception& e) {
        throw CheckpointError(path + ": not a readable tensor file (" + one_line(e.what(), 300) + ")");
    }
    torch::Tensor tensor;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path, torch::Device(torch::kCPU));  // whatever device wrote it
        archive.read("0", tensor);
    } catch (const c10::Error& e) {
        throw CheckpointError(path + ": not a readable tensor file (" + one_line(e.what_without_backtrace(), 200) +
                              ")");
    }
    if (!tensor.defined() || !tensor.is_floating_point() || tensor.dim() > 2)
        throw CheckpointError(path + ": not a tensor file of floating point numbers");
    if (tensor.numel() > 0 && !torch::isfinite(tensor).all().item<bool>())
        throw CheckpointError(path + ": holds values that are not finite (NaN or inf); it is damaged");
    return tensor.to(torch::kFloat);
}

torch::Tensor read_fixed_latents(const std::string& path, int64_t count, int64_t latent_dim) {
    torch::Tensor latents = read_tensor_file(path);
    if (latents.dim() != 2 || latents.size(0) != count || latents.size(1) != latent_dim)
        throw CheckpointError(path + ": holds latents of shape " + shape_text(latents) + "; the run's config needs [" +
                              std::to_string(count) + ", " + std::to_string(latent_dim) + "]");
    return latents;
}

}  // namespace ganscope
