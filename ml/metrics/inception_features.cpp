// Inception features as pytorch-fid reads images (see inception_features.h).
#include "ml/metrics/inception_features.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "ml/data/dataset.h"
#include "ml/data/image.h"
#include "ml/formats/safe_text.h"

namespace ganscope {
namespace fs = std::filesystem;

std::string fid_weights_path(const std::string& given, std::string* from) {
    auto said = [&](const char* where) {
        if (from) *from = where;
    };
    if (!given.empty()) return said("--fid-weights"), given;
    if (const char* env = std::getenv("GANSCOPE_FID_WEIGHTS"); env && *env) return said("GANSCOPE_FID_WEIGHTS"), env;
    said("the config folder");
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    fs::path dir;
    if (xdg && *xdg)
        dir = fs::path(xdg) / "ganscope";
    else if (home && *home)
        dir = fs::path(home) / ".config" / "ganscope";
    else
        dir = ".config/ganscope";
    return (dir / kFidWeightsName).string();
}

std::string fid_weights_missing(const std::string& path, const std::string& from) {
    return "FID and KID are off: no Inception weights at " + escape_bytes(path, 200) + " (" + from + "); download " +
           kFidWeightsUrl +
           " (its sha256 should begin with 6726825d, the digits in its name), put it "
           "there or give --fid-weights FILE (or set GANSCOPE_FID_WEIGHTS)";
}

torch::Tensor quantized_unit_range(const torch::Tensor& images) {
    return images.to(torch::kFloat).add(1.0f).mul(127.5f).round().clamp(0, 255).div(255.0f);
}

std::vector<std::string> list_fid_images(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw DataError(escape_bytes(folder, 200) + ": no such folder of images");
    static const char* const kTaken[] = {"bmp", "jpg", "jpeg", "pgm", "png", "ppm", "tif", "tiff", "webp"};
    std::vector<std::string> files, undecodable;
    for (fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string ext = it->path().extension().string();
        if (ext.size() < 2) continue;
        const std::string bare = ext.substr(1);
        if (std::none_of(std::begin(kTaken), std::end(kTaken), [&](const char* e) { return bare == e; })) continue;
        if (bare == "tif" || bare == "tiff" || bare == "webp")
            undecodable.push_back(it->path().string());
        else
            files.push_back(it->path().string());
    }
    if (!undecodable.empty())
        throw DataError(escape_bytes(undecodable.front(), 200) + ": ganscope does not decode " +
                        fs::path(undecodable.front()).extension().string() +
                        " files; convert the folder's images to PNG (pytorch-fid would read them)");
    if (files.empty())
        throw DataError(escape_bytes(folder, 200) +
                        ": no images (png, jpg, jpeg, bmp, pgm, ppm directly in it, "
                        "lower-case extensions, as pytorch-fid lists them)");
    std::sort(files.begin(), files.end());
    return files;
}

torch::Tensor load_fid_image(const std::string& path) {
    Image raw = load_image_raw(path);
    Image rgb(raw.width, raw.height, 3);
    const int c = raw.channels;
    for (size_t i = 0, n = size_t(raw.width) * size_t(raw.height); i < n; ++i) {
        const uint8_t* p = raw.pixels.data() + i * size_t(c);
        uint8_t* q = rgb.pixels.data() + i * 3;
        if (c <= 2)
            q[0] = q[1] = q[2] = p[0];  // grey, grey + alpha: the alpha dropped as convert('RGB') does
        else
            std::memcpy(q, p, 3);
    }
    auto hwc = torch::from_blob(rgb.pixels.data(), {rgb.height, rgb.width, 3}, torch::kUInt8);
    return hwc.permute({2, 0, 1}).to(torch::kFloat32).div(255.0f).contiguous();
}

FidFeatures::FidFeatures(FidInception net, torch::Device device, int64_t batch)
    : m_net(std::move(net)), m_device(device), m_batch(std::max<int64_t>(1, batch)) {
    m_net->to(m_device);
    m_net->eval();
}

torch::Tensor FidFeatures::of(const torch::Tensor& images01) {
    return of(images01.size(0), [&](int64_t b, int64_t e) { return images01.slice(0, b, e); });
}

torch::Tensor FidFeatures::of(int64_t count, const std::function<torch::Tensor(int64_t, int64_t)>& batch_of) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts;
    for (int64_t begin = 0; begin < count; begin += m_batch) {
        const torch::Tensor images = batch_of(begin, std::min(count, begin + m_batch));
        parts.push_back(m_net->forward(images.to(m_device)).to(torch::kCPU));
    }
    if (parts.empty()) return torch::zeros({0, kFidFeatures});
    return torch::cat(parts);
}

torch::Tensor FidFeatures::of_folder(const std::string& folder) {
    const std::vector<std::string> files = list_fid_images(folder);
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts, pending;
    auto flush = [&] {
        if (pending.empty()) return;
        parts.push_back(m_net->forward(torch::stack(pending).to(m_device)).to(torch::kCPU));
        pending.clear();
    };
    for (const std::string& file : files) {
        torch::Tensor image = load_fid_image(file);
        if (!pending.empty() && pending.front().sizes() != image.sizes()) flush();  // a batch is one size
        pending.push_back(image);
        if (int64_t(pending.size()) == m_batch) flush();
    }
    flush();
    return torch::cat(parts);
}

}  // namespace ganscope
