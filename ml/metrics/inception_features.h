// Inception features of images as pytorch-fid reads them: where the weights file is, image folders listed and
// decoded as its command line does, batches through the network. One thread at a time per extractor.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ml/metrics/fid_inception.h"

namespace ganscope {

// Where the FID weights are looked for: `given` (--fid-weights FILE) when not empty, else $GANSCOPE_FID_WEIGHTS,
// else the config folder's copy ($XDG_CONFIG_HOME/ganscope/ or ~/.config/ganscope/pt_inception-...pth).
// `from` says which ("--fid-weights", "GANSCOPE_FID_WEIGHTS", "the config folder").
std::string fid_weights_path(const std::string& given, std::string* from = nullptr);
// One line for when the file is not there: where it was looked for, where to get it, how to point ganscope at it.
std::string fid_weights_missing(const std::string& path, const std::string& from);

// Images in [-1, 1] (what ganscope's models draw and its transforms give) as 8-bit values over 255 in [0, 1]:
// what pytorch-fid's ToTensor gives for the same images saved as PNG (tensor_to_image rounds the same way).
torch::Tensor quantized_unit_range(const torch::Tensor& images);

// The image files of a folder as pytorch-fid's command line takes them: the folder itself (not below), the
// extensions bmp jpg jpeg pgm png ppm tif tiff webp in lower case, sorted by path. Throws DataError for a
// missing folder, an empty one, or files ganscope cannot decode (tif, tiff, webp).
std::vector<std::string> list_fid_images(const std::string& folder);
// 3 x H x W in [0, 1], as PIL's Image.open(path).convert('RGB') and ToTensor give it: grey replicated, alpha
// dropped (not composited). Throws ImageError naming the file.
torch::Tensor load_fid_image(const std::string& path);

class FidFeatures {
public:
    FidFeatures(FidInception net, torch::Device device, int64_t batch = 50);
    // Images in [0, 1], N x 3 x H x W, in batches of `batch`: N x 2048 float on the CPU.
    torch::Tensor of(const torch::Tensor& images01);
    // `count` images made by `batch_of(begin, end)` (each a batch in [0, 1], any size), N x 2048 on the CPU.
    torch::Tensor of(int64_t count, const std::function<torch::Tensor(int64_t begin, int64_t end)>& batch_of);
    // Every image of a folder (list_fid_images), in batches of images of one size.
    torch::Tensor of_folder(const std::string& folder);
    torch::Device device() const { return m_device; }

private:
    FidInception m_net;
    torch::Device m_device;
    int64_t m_batch;
};

}  // namespace ganscope
