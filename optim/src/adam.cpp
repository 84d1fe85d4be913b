// optim::Adam (and AdamW): one fused loop per parameter over its contiguous data.
#include "liandan/optim/adam.hpp"

#include <algorithm>
#include <cmath>

namespace liandan::optim {

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam("Adam", std::move(groups), options, /*decoupled=*/false) {}

Adam::Adam(std::string optimizer_name, std::vector<ParamGroup> groups, AdamOptions o,
           bool decoupled)
    : Optimizer(optimizer_name, std::move(groups),
                {{"lr", o.lr},
                 {"beta1", o.beta1, 0, 1, true},
                 {"beta2", o.beta2, 0, 1, true},
                 {"eps", o.eps},
                 {"weight_decay", o.weight_decay}}),
      options_(o),
      decoupled_(decoupled) {
  state_.resize(num_params());
}

namespace {

// Per element, at step t (PyTorch's torch.optim.Adam / AdamW, ALGORITHMS.md section 1):
//   AdamW: p *= 1 - lr * wd                 Adam: g += wd * p (coupled L2)
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2 ;  amsgrad: vmax = max(vmax, v)
//   p -= lr / (1 - b1^t) * m / (sqrt(v or vmax) / sqrt(1 - b2^t) + eps)
// (Kingma & Ba, Algorithm 1 with the bias corrections folded into the step size; eps is added
// after bias-correcting sqrt(v), as PyTorch does.)
template <typename T>
void adam_kernel(T* p, const T* g, T* m, T* v, T* vmax, std::int64_t n, const ParamGroup& group,
                 bool decoupled, std::int64_t step) {
  const double lr = group.lr(), wd = group.number("weight_decay");
  const double beta1 = group.number("beta1"), beta2 = group.number("beta2");
  const T decay = T(decoupled ? 1 - lr * wd : 1);
  const T l2 = T(decoupled ? 0 : wd);
  const T b1 = T(beta1), b2 = T(beta2), eps = T(group.number("eps"));
  const T one_b1 = T(1 - beta1), one_b2 = T(1 - beta2);
  const T step_size = T(lr / (1 - std::pow(beta1, double(step))));
  const T bc2_sqrt = T(std::sqrt(1 - std::pow(beta2, double(step))));
#pragma omp parallel for simd if (n > kParallelNumel)
  for (std::int64_t i = 0; i < n; ++i) {
    if (decay != T(1)) p[i] *= decay;
    const T gi = l2 != 0 ? g[i] + l2 * p[i] : g[i];
    m[i] = b1 * m[i] + one_b1 * gi;
    v[i] = b2 * v[i] + one_b2 * gi * gi;
    T vi = v[i];
    if (vmax) vi = vmax[i] = std::max(vmax[i], vi);
    p[i] -= step_size * (m[i] / (std::sqrt(vi) / bc2_sqrt + eps));
  }
}

}  // namespace

void Adam::update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
                  const core::Tensor& grad) {
  std::optional<AdamState>& s = state_[index];
  if (!s) {
    s.emplace();
    s->exp_avg = core::Tensor::zeros(param.shape(), param.dtype());
    s->exp_avg_sq = core::Tensor::zeros(param.shape(), param.dtype());
    if (options_.amsgrad) s->max_exp_avg_sq = core::Tensor::zeros(param.shape(), param.dtype());
  }
  ++s->step;
  const bool ams = s->max_exp_avg_sq.defined();
  if (param.dtype() == DType::f64)
    adam_kernel(param.data<double>(), grad.data<double>(), s->exp_avg.data<double>(),
                s->exp_avg_sq.data<double>(), ams ? s->max_exp_avg_sq.data<double>() : nullptr,
                param.numel(), group, decoupled_, s->step);
  else
    adam_kernel(param.data<float>(), grad.data<float>(), s->exp_avg.data<float>(),
                s->exp_avg_sq.data<float>(), ams ? s->max_exp_avg_sq.data<float>() : nullptr,
                param.numel(), group, decoupled_, s->step);
}

NamedTensors Adam::save_state(std::size_t index) const {
  const std::optional<AdamState>& s = state_[index];
  if (!s) return {};
  NamedTensors out{{"step", Tensor(step_tensor(s->step))},
                   {"exp_avg", Tensor(s->exp_avg.clone())},
                   {"exp_avg_sq", Tensor(s->exp_avg_sq.clone())}};
  if (s->max_exp_avg_sq.defined())
    out.emplace_back("max_exp_avg_sq", Tensor(s->max_exp_avg_sq.clone()));
  return out;
}

void Adam::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                      const NamedTensors& fields) {
  check_fields(key, fields, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
  if (fields.empty()) {
    state_[index].reset();
    return;
  }
  AdamState s;
  s.step = step_value(key, fields);
  s.exp_avg = state_like(key, fields, "exp_avg", param);
  s.exp_avg_sq = state_like(key, fields, "exp_avg_sq", param);
  if (options_.amsgrad) s.max_exp_avg_sq = state_like(key, fields, "max_exp_avg_sq", param);
  state_[index] = std::move(s);
}

}  // namespace liandan::optim
