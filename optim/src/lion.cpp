// optim::Lion and optim::Tiger: one fused loop per parameter over its contiguous data.
#include "liandan/optim/lion.hpp"

#include "liandan/core/parallel.hpp"

namespace liandan::optim {

Lion::Lion(std::vector<ParamGroup> groups, const LionOptions& o)
    : Lion("Lion", std::move(groups),
           {{"lr", o.lr},
            {"beta1", o.beta1, 0, 1, true},
            {"beta2", o.beta2, 0, 1, true},
            {"weight_decay", o.weight_decay}}) {}

Lion::Lion(std::string optimizer_name, std::vector<ParamGroup> groups,
           std::vector<OptionSpec> specs)
    : Optimizer(optimizer_name, std::move(groups), std::move(specs)) {
  state_.resize(num_params());
}

// Tiger's groups have one option "beta" where Lion's have beta1 and beta2 (Note [Tiger is Lion
// with one beta]); the kernel reads whichever the group has.
Tiger::Tiger(std::vector<ParamGroup> groups, const TigerOptions& o)
    : Lion("Tiger", std::move(groups),
           {{"lr", o.lr}, {"beta", o.beta, 0, 1, true}, {"weight_decay", o.weight_decay}}) {}

namespace {

// Per element (Chen et al., arXiv 2302.06675, Algorithm 2; ALGORITHMS.md section 2):
//   p *= 1 - lr * wd                      decoupled decay first, with p_{t-1}
//   c  = b1 m + (1 - b1) g                interpolation used for the update
//   p -= lr * sign(c)                     sign(0) = 0
//   m  = b2 m + (1 - b2) g                momentum tracked with the other beta
template <typename T>
void lion_kernel(T* p, const T* g, T* m, std::int64_t n, const ParamGroup& group) {
  const bool tiger = group.has("beta");
  const double beta1 = group.number(tiger ? "beta" : "beta1");
  const double beta2 = group.number(tiger ? "beta" : "beta2");
  const T lr = T(group.lr());
  const T decay = T(1 - group.lr() * group.number("weight_decay"));
  const T b1 = T(beta1), b2 = T(beta2);
  const T one_b1 = T(1 - beta1), one_b2 = T(1 - beta2);
  core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) {
      if (decay != T(1)) p[i] *= decay;
      const T c = b1 * m[i] + one_b1 * g[i];
      const T sign = T((T(0) < c) - (c < T(0)));
      p[i] -= lr * sign;
      m[i] = b2 * m[i] + one_b2 * g[i];
    }
  });
}

}  // namespace

void Lion::update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
                  const core::Tensor& grad) {
  std::optional<LionState>& s = state_[index];
  if (!s) {
    s.emplace();
    s->exp_avg = core::Tensor::zeros(param.shape(), param.dtype());
  }
  ++s->step;
  if (param.dtype() == DType::f64)
    lion_kernel(param.data<double>(), grad.data<double>(), s->exp_avg.data<double>(), param.numel(),
                group);
  else
    lion_kernel(param.data<float>(), grad.data<float>(), s->exp_avg.data<float>(), param.numel(),
                group);
}

NamedTensors Lion::save_state(std::size_t index) const {
  const std::optional<LionState>& s = state_[index];
  if (!s) return {};
  return {{"step", step_tensor(s->step)}, {"exp_avg", s->exp_avg.clone()}};
}

void Lion::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                      const NamedTensors& fields) {
  check_fields(key, fields, {"step", "exp_avg"});
  if (fields.empty()) {
    state_[index].reset();
    return;
  }
  LionState s;
  s.step = step_value(key, fields);
  s.exp_avg = state_like(key, fields, "exp_avg", param);
  state_[index] = std::move(s);
}

}  // namespace liandan::optim
