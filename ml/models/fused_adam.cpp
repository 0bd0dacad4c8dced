// fused_adam_step (see fused_adam.h). Trainer thread.
#include "ml/models/fused_adam.h"

#include <memory>
#include <vector>

namespace ganscope {

void fused_adam_step(torch::optim::Adam& optimizer) {
    torch::NoGradGuard no_grad;
    for (auto& group : optimizer.param_groups()) {
        auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
        if (o.amsgrad() || o.weight_decay() != 0) {
            optimizer.step();
            return;
        }
        std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            // The state torch::optim::Adam keeps (and serialises), created as its own step() creates it.
            auto& slot = optimizer.state()[p.unsafeGetTensorImpl()];
            if (!slot) {
                auto state = std::make_unique<torch::optim::AdamParamState>();
                state->step(0);
                state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                slot = std::move(state);
            }
            auto& state = static_cast<torch::optim::AdamParamState&>(*slot);
            state.step(state.step() + 1);
            params.push_back(p);
            grads.push_back(p.grad());
            exp_avgs.push_back(state.exp_avg());
            exp_avg_sqs.push_back(state.exp_avg_sq());
            // The kernel reads the (already incremented) step count for the bias corrections.
            steps.push_back(torch::full({}, double(state.step()), torch::TensorOptions(p.device()).dtype(torch::kFloat)));
        }
        if (params.empty()) continue;
        const auto [beta1, beta2] = o.betas();
        at::_fused_adam_(params, grads, exp_avgs, exp_avg_sqs, {}, steps, o.lr(), beta1, beta2, 0.0, o.eps(),
                         /*amsgrad=*/false, /*maximize=*/false);
    }
}

}  // namespace ganscope
