// Gradient clipping by total norm and by value: plain loops over each contiguous gradient.
#include "liandan/optim/clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "liandan/autograd/grad_mode.hpp"

namespace liandan::optim {
namespace {

std::vector<Tensor> values(const NamedParameters& named) {
  std::vector<Tensor> out;
  for (const auto& [key, p] : named) out.push_back(p);
  return out;
}

// The defined gradients, checked to be contiguous f32 / f64.
std::vector<core::Tensor> grads_of(const std::vector<Tensor>& params, const char* op) {
  std::vector<core::Tensor> out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Tensor g = params[i].defined() ? params[i].grad() : Tensor();
    if (!g.defined()) continue;
    check(g.dtype() == DType::f32 || g.dtype() == DType::f64,
          "{}: gradient of parameter {} has dtype {} (f32 or f64 expected)", op, i,
          name(g.dtype()));
    check(g.data().is_contiguous(), "{}: gradient of parameter {} {} is not contiguous", op, i,
          g.shape().str());
    out.push_back(g.data());
  }
  return out;
}

// sum |g|^p (p finite) or max |g| (p infinite), accumulated in double.
template <typename T>
double accumulate(const T* g, std::int64_t n, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    for (std::int64_t i = 0; i < n; ++i) acc = std::max(acc, std::abs(double(g[i])));
  } else if (p == 2) {
    for (std::int64_t i = 0; i < n; ++i) acc += double(g[i]) * double(g[i]);
  } else {
    for (std::int64_t i = 0; i < n; ++i) acc += std::pow(std::abs(double(g[i])), p);
  }
  return acc;
}

template <typename T>
void scale(T* g, std::int64_t n, T factor) {
  for (std::int64_t i = 0; i < n; ++i) g[i] *= factor;
}

template <typename T>
void clamp(T* g, std::int64_t n, T bound) {
  for (std::int64_t i = 0; i < n; ++i) g[i] = std::clamp(g[i], -bound, bound);
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  check(norm_type > 0, "clip_grad_norm_: invalid norm_type {} (must be > 0 or inf)", norm_type);
  check(max_norm >= 0, "clip_grad_norm_: invalid max_norm {} (must be >= 0)", max_norm);
  NoGradGuard no_grad;
  const std::vector<core::Tensor> grads = grads_of(params, "clip_grad_norm_");
  double acc = 0;
  for (const core::Tensor& g : grads) {
    const double part = g.dtype() == DType::f64 ? accumulate(g.data<double>(), g.numel(), norm_type)
                                                : accumulate(g.data<float>(), g.numel(), norm_type);
    acc = std::isinf(norm_type) ? std::max(acc, part) : acc + part;
  }
  const double total = std::isinf(norm_type) ? acc : std::pow(acc, 1 / norm_type);
  // torch.nn.utils.clip_grad_norm_: clip_coef = max_norm / (total_norm + 1e-6), clamped to 1.
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1) {
    for (const core::Tensor& g : grads) {
      if (g.dtype() == DType::f64)
        scale(g.data<double>(), g.numel(), coef);
      else
        scale(g.data<float>(), g.numel(), float(coef));
      g.bump_version();
    }
  }
  return total;
}

double clip_grad_norm_(const NamedParameters& named_params, double max_norm, double norm_type) {
  return clip_grad_norm_(values(named_params), max_norm, norm_type);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  check(clip_value >= 0, "clip_grad_value_: invalid clip_value {} (must be >= 0)", clip_value);
  NoGradGuard no_grad;
  for (const core::Tensor& g : grads_of(params, "clip_grad_value_")) {
    if (g.dtype() == DType::f64)
      clamp(g.data<double>(), g.numel(), clip_value);
    else
      clamp(g.data<float>(), g.numel(), float(clip_value));
    g.bump_version();
  }
}

void clip_grad_value_(const NamedParameters& named_params, double clip_value) {
  clip_grad_value_(values(named_params), clip_value);
}

}  // namespace liandan::optim
