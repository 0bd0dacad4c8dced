// pytorch-fid's Inception-v3 (the FID variant of TensorFlow's 2015-12-05 graph: torchvision's Inception3 with
// the FIDInceptionA/C/E_1/E_2 blocks) up to its 2048-d average pool, and its weights file read as a stranger's
// file. One thread at a time per module (a libtorch module); loading: any thread.
#pragma once

#include <string>

#include <torch/torch.h>

namespace ganscope {

// The blocks (ml/metrics/fid_inception.cpp): torchvision's BasicConv2d, InceptionB, InceptionD and pytorch-fid's
// FIDInceptionA, FIDInceptionC, FIDInceptionE_1 / E_2.
class BasicConvImpl;
class FidBlockAImpl;
class BlockBImpl;
class FidBlockCImpl;
class BlockDImpl;
class FidBlockEImpl;

// The network, its modules under the state_dict names of pytorch-fid's weights file ("Conv2d_1a_3x3.conv.weight",
// "Mixed_7c.branch_pool.bn.running_var", ...). The file's 1008-class `fc` is not part of it (FID reads the pool).
class FidInceptionImpl : public torch::nn::Module {
public:
    FidInceptionImpl();
    // Images in [0, 1], N x 3 x H x W, any H and W: resized to 299 x 299 (bilinear, align_corners=False), scaled
    // to [-1, 1], through the network: N x 2048 pool features (float). Exactly pytorch-fid's InceptionV3 with its
    // defaults (resize_input, normalize_input, block 3). Call in eval mode, under NoGradGuard.
    torch::Tensor forward(const torch::Tensor& images01);

private:
    std::shared_ptr<BasicConvImpl> m_1a, m_2a, m_2b, m_3b, m_4a;
    std::shared_ptr<FidBlockAImpl> m_5b, m_5c, m_5d;
    std::shared_ptr<BlockBImpl> m_6a;
    std::shared_ptr<FidBlockCImpl> m_6b, m_6c, m_6d, m_6e;
    std::shared_ptr<BlockDImpl> m_7a;
    std::shared_ptr<FidBlockEImpl> m_7b, m_7c;
};
TORCH_MODULE(FidInception);

constexpr int64_t kFidFeatures = 2048;
constexpr int kFidInputSize = 299;
// The file pytorch-fid downloads, and where it comes from. ganscope never downloads it.
constexpr const char* kFidWeightsName = "pt_inception-2015-12-05-6726825d.pth";
constexpr const char* kFidWeightsUrl =
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth";

// Reads a torch.save'd state_dict of pytorch-fid's FID Inception through ganscope's checked torch.save reader:
// every name and shape is checked against the network before any tensor is read (the `fc` and
// `num_batches_tracked` entries may be present or not), every value must be finite. Returns the network on
// `device` in eval mode. Throws CheckpointError, one line naming the file, for a damaged file or another layout.
FidInception load_fid_inception(const std::string& path, torch::Device device);

}  // namespace ganscope
