// optim::SGD: one fused loop per parameter over its contiguous data.
#include "liandan/optim/sgd.hpp"

#include "liandan/core/parallel.hpp"

namespace liandan::optim {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o)
    : OptimizerOf("SGD", std::move(groups), o) {
  for (std::size_t g = 0; g < param_groups().size(); ++g) {
    const SGDOptions& og = options(g);
    check(!og.nesterov || (og.momentum > 0 && og.dampening == 0),
          "SGD param group {}: nesterov needs momentum > 0 and dampening 0 (momentum {}, "
          "dampening {})",
          g, og.momentum, og.dampening);
  }
  state_.resize(num_params());
}

namespace {

// PyTorch's torch.optim.SGD (Sutskever et al. 2013 form of momentum), per element:
//   d_p = g + wd * p
//   buf = d_p on the first step, else momentum * buf + (1 - dampening) * d_p
//   d_p = nesterov ? d_p + momentum * buf : buf      (when momentum != 0)
//   p  -= lr * d_p
template <typename T>
void sgd_kernel(T* p, const T* g, T* buf, std::int64_t n, const SGDOptions& o, bool first) {
  const T lr = T(o.lr), wd = T(o.weight_decay);
  const T momentum = T(o.momentum), keep = T(1 - o.dampening);
  const bool nesterov = o.nesterov;
  core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) {
      T d = wd != 0 ? g[i] + wd * p[i] : g[i];
      if (buf) {
        buf[i] = first ? d : momentum * buf[i] + keep * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  });
}

}  // namespace

void SGD::update(const SGDOptions& o, std::size_t index, const core::Tensor& param,
                 const core::Tensor& grad) {
  std::optional<SGDState>& s = state_[index];
  const bool first = !s.has_value();
  if (first) {
    s.emplace();
    if (o.momentum != 0) s->momentum_buffer = core::Tensor::empty(param.shape(), param.dtype());
  }
  const bool has_buf = s->momentum_buffer.defined();
  if (param.dtype() == DType::f64)
    sgd_kernel(param.data<double>(), grad.data<double>(),
               has_buf ? s->momentum_buffer.data<double>() : nullptr, param.numel(), o, first);
  else
    sgd_kernel(param.data<float>(), grad.data<float>(),
               has_buf ? s->momentum_buffer.data<float>() : nullptr, param.numel(), o, first);
}

NamedTensors SGD::save_state(std::size_t index) const {
  const std::optional<SGDState>& s = state_[index];
  if (!s || !s->momentum_buffer.defined()) return {};
  return {{"momentum_buffer", s->momentum_buffer.clone()}};
}

void SGD::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                     const NamedTensors& fields) {
  check_fields(key, fields, {"momentum_buffer"});
  if (fields.empty() || options(group_index(index)).momentum == 0) {
    check(fields.empty(), "SGD.load_state_dict: momentum_buffer for {} but momentum is 0", key);
    state_[index].reset();
    return;
  }
  state_[index] = SGDState{state_like(key, fields, "momentum_buffer", param)};
}

}  // namespace liandan::optim
