// optim::Adam (and AdamW): one fused loop per parameter over its contiguous data.
#include "liandan/optim/adam.hpp"

#include "adam_kernel.hpp"
#include "liandan/optim/adamw.hpp"

namespace liandan::optim {

template <typename O>
AdamBase<O>::AdamBase(std::string optimizer_name, std::vector<ParamGroup> groups, const O& o,
                      bool decoupled)
    : OptimizerOf<O>(std::move(optimizer_name), std::move(groups), o), decoupled_(decoupled) {
  state_.resize(this->num_params());
}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : AdamBase("Adam", std::move(groups), options, /*decoupled=*/false) {}

template <typename O>
void AdamBase<O>::update(const O& o, std::size_t index, const core::Tensor& param,
                         const core::Tensor& grad) {
  std::optional<AdamState>& s = state_[index];
  if (!s) {
    s.emplace();
    s->exp_avg = core::Tensor::zeros(param.shape(), param.dtype());
    s->exp_avg_sq = core::Tensor::zeros(param.shape(), param.dtype());
    if (o.amsgrad) s->max_exp_avg_sq = core::Tensor::zeros(param.shape(), param.dtype());
  }
  ++s->step;
  const bool ams = s->max_exp_avg_sq.defined();
  if (param.dtype() == DType::f64)
    adam_kernel(param.data<double>(), grad.data<double>(), s->exp_avg.data<double>(),
                s->exp_avg_sq.data<double>(), ams ? s->max_exp_avg_sq.data<double>() : nullptr,
                param.numel(), o, decoupled_, s->step);
  else
    adam_kernel(param.data<float>(), grad.data<float>(), s->exp_avg.data<float>(),
                s->exp_avg_sq.data<float>(), ams ? s->max_exp_avg_sq.data<float>() : nullptr,
                param.numel(), o, decoupled_, s->step);
}

template <typename O>
NamedTensors AdamBase<O>::save_state(std::size_t index) const {
  const std::optional<AdamState>& s = state_[index];
  if (!s) return {};
  NamedTensors out{{"step", step_tensor(s->step)},
                   {"exp_avg", s->exp_avg.clone()},
                   {"exp_avg_sq", s->exp_avg_sq.clone()}};
  if (s->max_exp_avg_sq.defined()) out.add("max_exp_avg_sq", s->max_exp_avg_sq.clone());
  return out;
}

template <typename O>
void AdamBase<O>::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
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
  if (this->options(this->group_index(index)).amsgrad)
    s.max_exp_avg_sq = state_like(key, fields, "max_exp_avg_sq", param);
  state_[index] = std::move(s);
}

template class AdamBase<AdamOptions>;
template class AdamBase<AdamWOptions>;

}  // namespace liandan::optim
