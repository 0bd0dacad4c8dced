// Moving average of module weights (see ema.h). Trainer thread.
#include "ml/models/ema.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ganscope {

double ema_decay_at(double decay, int64_t updates) {
    return std::min(decay, (1.0 + double(updates)) / (10.0 + double(updates)));
}

namespace {
void check_same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) throw std::invalid_argument("ema: the average and the model have different architectures");
}
}  // namespace

void ema_update(torch::nn::Module& average, const torch::nn::Module& model, double d) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> avg = average.parameters(), cur = model.parameters();
    check_same(avg, cur);
    if (!avg.empty()) at::_foreach_lerp_(avg, cur, 1.0 - d);
    std::vector<torch::Tensor> avg_b = average.buffers(), cur_b = model.buffers();
    check_same(avg_b, cur_b);
    for (size_t i = 0; i < avg_b.size(); ++i) avg_b[i].copy_(cur_b[i]);
}

void ema_copy(torch::nn::Module& average, const torch::nn::Module& model) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> avg = average.parameters(), cur = model.parameters();
    check_same(avg, cur);
    for (size_t i = 0; i < avg.size(); ++i) avg[i].copy_(cur[i]);
    std::vector<torch::Tensor> avg_b = average.buffers(), cur_b = model.buffers();
    check_same(avg_b, cur_b);
    for (size_t i = 0; i < avg_b.size(); ++i) avg_b[i].copy_(cur_b[i]);
}

}  // namespace ganscope
