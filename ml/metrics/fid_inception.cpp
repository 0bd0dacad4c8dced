// pytorch-fid's FID Inception-v3 and its checked weights loader (see fid_inception.h).
#include "ml/metrics/fid_inception.h"

#include <algorithm>
#include <map>
#include <memory>

#include "ml/formats/safe_text.h"
#include "ml/run/module_io.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {

namespace F = torch::nn::functional;
using Pair = std::vector<int64_t>;

class BasicConvImpl : public torch::nn::Module {
public:
    BasicConvImpl(int64_t in, int64_t out, Pair kernel, Pair stride = {1, 1}, Pair padding = {0, 0}) {
        m_conv = register_module(
            "conv",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
        m_bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(0.001)));
    }
    torch::Tensor forward(const torch::Tensor& x) { return torch::relu(m_bn->forward(m_conv->forward(x))); }

private:
    torch::nn::Conv2d m_conv{nullptr};
    torch::nn::BatchNorm2d m_bn{nullptr};
};

namespace {

std::shared_ptr<BasicConvImpl> conv(torch::nn::Module& parent, const std::string& name, int64_t in, int64_t out,
                                    Pair kernel, Pair stride = {1, 1}, Pair padding = {0, 0}) {
    return parent.register_module(name, std::make_shared<BasicConvImpl>(in, out, kernel, stride, padding));
}

// TensorFlow's average pool leaves the zero padding out of the mean; pytorch-fid's patched blocks do the same.
torch::Tensor tf_avg_pool(const torch::Tensor& x) {
    return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
}

}  // namespace

class FidBlockAImpl : public torch::nn::Module {  // FIDInceptionA
public:
    FidBlockAImpl(int64_t in, int64_t pool_features) {
        b1 = conv(*this, "branch1x1", in, 64, {1, 1});
        b5_1 = conv(*this, "branch5x5_1", in, 48, {1, 1});
        b5_2 = conv(*this, "branch5x5_2", 48, 64, {5, 5}, {1, 1}, {2, 2});
        b3_1 = conv(*this, "branch3x3dbl_1", in, 64, {1, 1});
        b3_2 = conv(*this, "branch3x3dbl_2", 64, 96, {3, 3}, {1, 1}, {1, 1});
        b3_3 = conv(*this, "branch3x3dbl_3", 96, 96, {3, 3}, {1, 1}, {1, 1});
        pool = conv(*this, "branch_pool", in, pool_features, {1, 1});
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return torch::cat({b1->forward(x), b5_2->forward(b5_1->forward(x)),
                           b3_3->forward(b3_2->forward(b3_1->forward(x))), pool->forward(tf_avg_pool(x))},
                          1);
    }

private:
    std::shared_ptr<BasicConvImpl> b1, b5_1, b5_2, b3_1, b3_2, b3_3, pool;
};

class BlockBImpl : public torch::nn::Module {  // torchvision's InceptionB (unpatched)
public:
    explicit BlockBImpl(int64_t in) {
        b3 = conv(*this, "branch3x3", in, 384, {3, 3}, {2, 2});
        b3_1 = conv(*this, "branch3x3dbl_1", in, 64, {1, 1});
        b3_2 = conv(*this, "branch3x3dbl_2", 64, 96, {3, 3}, {1, 1}, {1, 1});
        b3_3 = conv(*this, "branch3x3dbl_3", 96, 96, {3, 3}, {2, 2});
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return torch::cat({b3->forward(x), b3_3->forward(b3_2->forward(b3_1->forward(x))),
                           F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2))},
                          1);
    }

private:
    std::shared_ptr<BasicConvImpl> b3, b3_1, b3_2, b3_3;
};

class FidBlockCImpl : public torch::nn::Module {  // FIDInceptionC
public:
    FidBlockCImpl(int64_t in, int64_t c7) {
        b1 = conv(*this, "branch1x1", in, 192, {1, 1});
        b7_1 = conv(*this, "branch7x7_1", in, c7, {1, 1});
        b7_2 = conv(*this, "branch7x7_2", c7, c7, {1, 7}, {1, 1}, {0, 3});
        b7_3 = conv(*this, "branch7x7_3", c7, 192, {7, 1}, {1, 1}, {3, 0});
        d_1 = conv(*this, "branch7x7dbl_1", in, c7, {1, 1});
        d_2 = conv(*this, "branch7x7dbl_2", c7, c7, {7, 1}, {1, 1}, {3, 0});
        d_3 = conv(*this, "branch7x7dbl_3", c7, c7, {1, 7}, {1, 1}, {0, 3});
        d_4 = conv(*this, "branch7x7dbl_4", c7, c7, {7, 1}, {1, 1}, {3, 0});
        d_5 = conv(*this, "branch7x7dbl_5", c7, 192, {1, 7}, {1, 1}, {0, 3});
        pool = conv(*this, "branch_pool", in, 192, {1, 1});
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor b7 = b7_3->forward(b7_2->forward(b7_1->forward(x)));
        torch::Tensor d = d_5->forward(d_4->forward(d_3->forward(d_2->forward(d_1->forward(x)))));
        return torch::cat({b1->forward(x), b7, d, pool->forward(tf_avg_pool(x))}, 1);
    }

private:
    std::shared_ptr<BasicConvImpl> b1, b7_1, b7_2, b7_3, d_1, d_2, d_3, d_4, d_5, pool;
};

class BlockDImpl : public torch::nn::Module {  // torchvision's InceptionD (unpatched)
public:
    explicit BlockDImpl(int64_t in) {
        b3_1 = conv(*this, "branch3x3_1", in, 192, {1, 1});
        b3_2 = conv(*this, "branch3x3_2", 192, 320, {3, 3}, {2, 2});
        b7_1 = conv(*this, "branch7x7x3_1", in, 192, {1, 1});
        b7_2 = conv(*this, "branch7x7x3_2", 192, 192, {1, 7}, {1, 1}, {0, 3});
        b7_3 = conv(*this, "branch7x7x3_3", 192, 192, {7, 1}, {1, 1}, {3, 0});
        b7_4 = conv(*this, "branch7x7x3_4", 192, 192, {3, 3}, {2, 2});
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return torch::cat(
            {b3_2->forward(b3_1->forward(x)), b7_4->forward(b7_3->forward(b7_2->forward(b7_1->forward(x)))),
             F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2))},
            1);
    }

private:
    std::shared_ptr<BasicConvImpl> b3_1, b3_2, b7_1, b7_2, b7_3, b7_4;
};

// FIDInceptionE_1 (average pool without the padding) and FIDInceptionE_2 (a max pool: TensorFlow's graph has one
// there, where the paper's network averages).
class FidBlockEImpl : public torch::nn::Module {
public:
    FidBlockEImpl(int64_t in, bool max_pool) : m_max_pool(max_pool) {
        b1 = conv(*this, "branch1x1", in, 320, {1, 1});
        b3_1 = conv(*this, "branch3x3_1", in, 384, {1, 1});
        b3_2a = conv(*this, "branch3x3_2a", 384, 384, {1, 3}, {1, 1}, {0, 1});
        b3_2b = conv(*this, "branch3x3_2b", 384, 384, {3, 1}, {1, 1}, {1, 0});
        d_1 = conv(*this, "branch3x3dbl_1", in, 448, {1, 1});
        d_2 = conv(*this, "branch3x3dbl_2", 448, 384, {3, 3}, {1, 1}, {1, 1});
        d_3a = conv(*this, "branch3x3dbl_3a", 384, 384, {1, 3}, {1, 1}, {0, 1});
        d_3b = conv(*this, "branch3x3dbl_3b", 384, 384, {3, 1}, {1, 1}, {1, 0});
        pool = conv(*this, "branch_pool", in, 192, {1, 1});
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor b3 = b3_1->forward(x);
        torch::Tensor d = d_2->forward(d_1->forward(x));
        torch::Tensor pooled =
            m_max_pool ? F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(1).padding(1)) : tf_avg_pool(x);
        return torch::cat({b1->forward(x), b3_2a->forward(b3), b3_2b->forward(b3), d_3a->forward(d), d_3b->forward(d),
                           pool->forward(pooled)},
                          1);
    }

private:
    bool m_max_pool;
    std::shared_ptr<BasicConvImpl> b1, b3_1, b3_2a, b3_2b, d_1, d_2, d_3a, d_3b, pool;
};

FidInceptionImpl::FidInceptionImpl() {
    m_1a = conv(*this, "Conv2d_1a_3x3", 3, 32, {3, 3}, {2, 2});
    m_2a = conv(*this, "Conv2d_2a_3x3", 32, 32, {3, 3});
    m_2b = conv(*this, "Conv2d_2b_3x3", 32, 64, {3, 3}, {1, 1}, {1, 1});
    m_3b = conv(*this, "Conv2d_3b_1x1", 64, 80, {1, 1});
    m_4a = conv(*this, "Conv2d_4a_3x3", 80, 192, {3, 3});
    m_5b = register_module("Mixed_5b", std::make_shared<FidBlockAImpl>(192, 32));
    m_5c = register_module("Mixed_5c", std::make_shared<FidBlockAImpl>(256, 64));
    m_5d = register_module("Mixed_5d", std::make_shared<FidBlockAImpl>(288, 64));
    m_6a = register_module("Mixed_6a", std::make_shared<BlockBImpl>(288));
    m_6b = register_module("Mixed_6b", std::make_shared<FidBlockCImpl>(768, 128));
    m_6c = register_module("Mixed_6c", std::make_shared<FidBlockCImpl>(768, 160));
    m_6d = register_module("Mixed_6d", std::make_shared<FidBlockCImpl>(768, 160));
    m_6e = register_module("Mixed_6e", std::make_shared<FidBlockCImpl>(768, 192));
    m_7a = register_module("Mixed_7a", std::make_shared<BlockDImpl>(768));
    m_7b = register_module("Mixed_7b", std::make_shared<FidBlockEImpl>(1280, false));
    m_7c = register_module("Mixed_7c", std::make_shared<FidBlockEImpl>(2048, true));
}

torch::Tensor FidInceptionImpl::forward(const torch::Tensor& images01) {
    TORCH_CHECK(images01.dim() == 4 && images01.size(1) == 3, "FID Inception: images must be N x 3 x H x W");
    torch::Tensor x =
        F::interpolate(images01.to(torch::kFloat), F::InterpolateFuncOptions()
                                                       .size(std::vector<int64_t>{kFidInputSize, kFidInputSize})
                                                       .mode(torch::kBilinear)
                                                       .align_corners(false));
    x = 2 * x - 1;
    const auto max_pool = F::MaxPool2dFuncOptions(3).stride(2);
    x = m_2b->forward(m_2a->forward(m_1a->forward(x)));
    x = F::max_pool2d(x, max_pool);
    x = m_4a->forward(m_3b->forward(x));
    x = F::max_pool2d(x, max_pool);
    x = m_5d->forward(m_5c->forward(m_5b->forward(x)));
    x = m_6a->forward(x);
    x = m_6e->forward(m_6d->forward(m_6c->forward(m_6b->forward(x))));
    x = m_7c->forward(m_7b->forward(m_7a->forward(x)));
    return x.mean({2, 3});  // AdaptiveAvgPool2d(1), flattened
}

namespace {

std::string shape_text(const std::vector<int64_t>& sizes) {
    std::string s = "[";
    for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + "]";
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

FidInception load_fid_inception(const std::string& path, torch::Device device) {
    std::unique_ptr<TorchSaveFile> file;
    try {
        file = std::make_unique<TorchSaveFile>(path);
    } catch (const std::exception& e) {
        throw CheckpointError(one_line(e.what()) + "; give pytorch-fid's " + kFidWeightsName);
    }
    try {
        FidInception net;
        // The network's names and shapes against what the file declares, before any tensor is read.
        std::map<std::string, torch::Tensor> expected;
        for (const auto& p : net->named_parameters(true)) expected[p.key()] = p.value();
        for (const auto& b : net->named_buffers(true)) expected[b.key()] = b.value();
        const std::map<std::string, std::vector<int64_t>> unused = {{"fc.weight", {1008, kFidFeatures}},
                                                                    {"fc.bias", {1008}}};
        std::vector<std::string> problems;
        std::map<std::string, size_t> index;
        for (size_t i = 0; i < file->declarations().size(); ++i) {
            const TensorDeclaration& d = file->declarations()[i];
            auto it = expected.find(d.name);
            auto skip = unused.find(d.name);
            if (skip != unused.end()) {
                if (skip->second != d.sizes)
                    problems.push_back(d.name + " is " + shape_text(d.sizes) + ", " + shape_text(skip->second) +
                                       " expected");
            } else if (it == expected.end()) {
                problems.push_back("unexpected " + escape_bytes(d.name, 60));
            } else if (it->second.sizes().vec() != d.sizes) {
                problems.push_back(escape_bytes(d.name, 60) + " is " + shape_text(d.sizes) + " in the file, " +
                                   shape_text(it->second.sizes().vec()) + " expected");
            } else if (!ends_with(d.name, "num_batches_tracked") && !c10::isFloatingType(d.dtype)) {
                problems.push_back(d.name + " is not floating point");
            } else {
                index[d.name] = i;
            }
        }
        for (const auto& [name, tensor] : expected)
            if (!index.count(name) && !ends_with(name, "num_batches_tracked") &&
                std::none_of(problems.begin(), problems.end(),
                             [&](const std::string& p) { return p.rfind(name + " ", 0) == 0; }))
                problems.push_back("missing " + name);
        if (!problems.empty()) {
            std::string msg = path + ": not the weights of pytorch-fid's FID Inception (" +
                              std::to_string(problems.size()) + " mismatches: ";
            for (size_t i = 0; i < problems.size() && i < 3; ++i) msg += (i ? "; " : "") + problems[i];
            throw CheckpointError(msg + (problems.size() > 3 ? "; ...)" : ")") + "; give " + kFidWeightsName);
        }
        torch::NoGradGuard no_grad;
        for (const auto& [name, i] : index) {
            torch::Tensor value = file->load(i);
            torch::Tensor& target = expected[name];
            if (target.is_floating_point() && !torch::isfinite(value).all().item<bool>())
                throw CheckpointError(path + ": weights not finite in '" + name +
                                      "' (NaN or inf); the file is damaged or was written with another byte order");
            target.copy_(value.to(target.dtype()));
        }
        net->eval();
        net->to(device);
        return net;
    } catch (const CheckpointError&) {
        throw;
    } catch (const c10::Error& e) {
        throw CheckpointError(path + ": " + one_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
        throw CheckpointError(one_line(e.what()));
    }
}

}  // namespace ganscope
