// optim::Lion and optim::Tiger: one fused loop per parameter over its contiguous data.
#include "liandan/optim/lion.hpp"

namespace liandan::optim {

Lion::Lion(std::vector<ParamGroup> groups, LionOptions options)
    : Lion("Lion", std::move(groups), options) {}

Lion::Lion(std::string optimizer_name, std::vector<ParamGroup> groups, LionOptions o)
    : Optimizer(optimizer_name, std::move(groups), o.lr, o.weight_decay), options_(o) {
  check(o.beta1 >= 0 && o.beta1 < 1, "{}: invalid beta1 {} (must be in [0, 1))", name(), o.beta1);
  check(o.beta2 >= 0 && o.beta2 < 1, "{}: invalid beta2 {} (must be in [0, 1))", name(), o.beta2);
  state_.resize(num_params());
}

namespace {

// Tiger's options as Lion's (Note [Tiger is Lion with one beta]), beta checked here so that the
// error names it.
LionOptions as_lion(const TigerOptions& o) {
  check(o.beta >= 0 && o.beta < 1, "Tiger: invalid beta {} (must be in [0, 1))", o.beta);
  return {.lr = o.lr, .beta1 = o.beta, .beta2 = o.beta, .weight_decay = o.weight_decay};
}

}  // namespace

Tiger::Tiger(std::vector<ParamGroup> groups, TigerOptions options)
    : Lion("Tiger", std::move(groups), as_lion(options)) {}

namespace {

// Per element (Chen et al., arXiv 2302.06675, Algorithm 2; ALGORITHMS.md section 2):
//   p *= 1 - lr * wd                      decoupled decay first, with p_{t-1}
//   c  = b1 m + (1 - b1) g                interpolation used for the update
//   p -= lr * sign(c)                     sign(0) = 0
//   m  = b2 m + (1 - b2) g                momentum tracked with the other beta
template <typename T>
void lion_kernel(T* p, const T* g, T* m, std::int64_t n, const ParamGroup& group,
                 const LionOptions& o) {
  const T lr = T(*group.lr);
  const T decay = T(1 - *group.lr * *group.weight_decay);
  const T b1 = T(o.beta1), b2 = T(o.beta2);
  const T one_b1 = T(1 - o.beta1), one_b2 = T(1 - o.beta2);
#pragma omp parallel for simd if (n > kParallelNumel)
  for (std::int64_t i = 0; i < n; ++i) {
    if (decay != T(1)) p[i] *= decay;
    const T c = b1 * m[i] + one_b1 * g[i];
    const T sign = T((T(0) < c) - (c < T(0)));
    p[i] -= lr * sign;
    m[i] = b2 * m[i] + one_b2 * g[i];
  }
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
                group, options_);
  else
    lion_kernel(param.data<float>(), grad.data<float>(), s->exp_avg.data<float>(), param.numel(),
                group, options_);
}

NamedTensors Lion::save_state(std::size_t index) const {
  const std::optional<LionState>& s = state_[index];
  if (!s) return {};
  return {{"step", Tensor(step_tensor(s->step))}, {"exp_avg", Tensor(s->exp_avg.clone())}};
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
