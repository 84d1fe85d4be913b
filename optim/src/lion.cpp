// optim::Lion and optim::Tiger: one fused loop per parameter over its contiguous data.
#include "liandan/optim/lion.hpp"

#include "liandan/core/parallel.hpp"

namespace liandan::optim {

template <typename O>
SignMomentum<O>::SignMomentum(std::string optimizer_name, std::vector<ParamGroup> groups,
                              const O& options)
    : OptimizerOf<O>(std::move(optimizer_name), std::move(groups), options) {
  state_.resize(this->num_params());
}

Lion::Lion(std::vector<ParamGroup> groups, const LionOptions& o)
    : SignMomentum("Lion", std::move(groups), o) {}

Tiger::Tiger(std::vector<ParamGroup> groups, const TigerOptions& o)
    : SignMomentum("Tiger", std::move(groups), o) {}

namespace {

// Per element (Chen et al., arXiv 2302.06675, Algorithm 2; ALGORITHMS.md section 2):
//   p *= 1 - lr * wd                      decoupled decay first, with p_{t-1}
//   c  = b1 m + (1 - b1) g                interpolation used for the update
//   p -= lr * sign(c)                     sign(0) = 0
//   m  = b2 m + (1 - b2) g                momentum tracked with the other beta
template <typename T>
void lion_kernel(T* p, const T* g, T* m, std::int64_t n, double lr, double beta1, double beta2,
                 double weight_decay) {
  const T lr_t = T(lr);
  const T decay = T(1 - lr * weight_decay);
  const T b1 = T(beta1), b2 = T(beta2);
  const T one_b1 = T(1 - beta1), one_b2 = T(1 - beta2);
  core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) {
      if (decay != T(1)) p[i] *= decay;
      const T c = b1 * m[i] + one_b1 * g[i];
      const T sign = T((T(0) < c) - (c < T(0)));
      p[i] -= lr_t * sign;
      m[i] = b2 * m[i] + one_b2 * g[i];
    }
  });
}

// Lion's two betas, and Tiger's one as both (Note [Tiger is Lion with one beta]).
std::pair<double, double> betas(const LionOptions& o) { return {o.beta1, o.beta2}; }
std::pair<double, double> betas(const TigerOptions& o) { return {o.beta, o.beta}; }

}  // namespace

template <typename O>
void SignMomentum<O>::update(const O& o, std::size_t index, const core::Tensor& param,
                             const core::Tensor& grad) {
  std::optional<LionState>& s = state_[index];
  if (!s) {
    s.emplace();
    s->exp_avg = core::Tensor::zeros(param.shape(), param.dtype());
  }
  ++s->step;
  const auto [beta1, beta2] = betas(o);
  if (param.dtype() == DType::f64)
    lion_kernel(param.data<double>(), grad.data<double>(), s->exp_avg.data<double>(), param.numel(),
                o.lr, beta1, beta2, o.weight_decay);
  else
    lion_kernel(param.data<float>(), grad.data<float>(), s->exp_avg.data<float>(), param.numel(),
                o.lr, beta1, beta2, o.weight_decay);
}

template <typename O>
NamedTensors SignMomentum<O>::save_state(std::size_t index) const {
  const std::optional<LionState>& s = state_[index];
  if (!s) return {};
  return {{"step", step_tensor(s->step)}, {"exp_avg", s->exp_avg.clone()}};
}

template <typename O>
void SignMomentum<O>::load_state(std::size_t index, const std::string& key,
                                 const core::Tensor& param, const NamedTensors& fields) {
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

template class SignMomentum<LionOptions>;
template class SignMomentum<TigerOptions>;

}  // namespace liandan::optim
