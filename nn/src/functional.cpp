// nn::functional: linear, dropout, batch_norm, rms_norm, composed of differentiable ops.
#include "liandan/nn/functional.hpp"

#include <limits>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check(weight.dim() == 2 && x.dim() >= 1 && x.size(-1) == weight.size(1),
        "linear: input {} does not end with the in_features of weight {} (out, in)", x.shape(),
        weight.shape());
  check(!bias.defined() || bias.shape() == Shape{weight.size(0)},
        "linear: bias must have shape [{}] for weight {}, got {}", weight.size(0), weight.shape(),
        bias.defined() ? bias.shape() : Shape{});
  const Tensor y = matmul(x, transpose(weight, 0, 1));
  return bias.defined() ? y + bias : y;
}

Tensor dropout(const Tensor& x, double p, bool training, core::Generator& gen) {
  check(p >= 0 && p <= 1, "dropout: probability must be in [0, 1], got {}", p);
  check(is_floating(x.dtype()), "dropout: expected a floating input, got {} {}", x.shape(),
        x.dtype());
  if (!training || p == 0) return x;
  if (p == 1) return x * 0.0;  // as PyTorch: all zeros, zero gradient
  // mask: 1 / (1 - p) with probability 1 - p, else 0; a constant of the graph.
  const Tensor mask(core::bernoulli(x.shape(), 1 - p, x.dtype(), gen));
  return x * (mask * (1 / (1 - p)));
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  check(x.dim() >= 2, "batch_norm: input must be (N, C, ...), got shape {}", x.shape());
  const std::int64_t C = x.size(1);
  for (const auto& [t, what] : {std::pair{&running_mean, "running_mean"},
                                {&running_var, "running_var"},
                                {&weight, "weight"},
                                {&bias, "bias"}})
    check(!t->defined() || t->shape() == Shape{C},
          "batch_norm: {} must have shape [{}] for input {} (N, C, ...), got {}", what, C,
          x.shape(), t->defined() ? t->shape() : Shape{});
  DimList dims{0};  // every dim but the channels
  for (int d = 2; d < x.dim(); ++d) dims.push_back(d);
  Shape channel_shape = Shape::filled(x.dim(), 1);  // (1, C, 1, ...): broadcasts per channel
  channel_shape[1] = C;

  Tensor centered, v;  // x - mean (N, C, ...); variance (1, C, 1, ...)
  if (training) {
    const std::int64_t n = C ? x.numel() / C : 0;  // values per channel
    check(n > 1, "batch_norm: expected more than 1 value per channel when training, got input {}",
          x.shape());
    const Tensor mu = mean(x, dims, true);  // (1, C, 1, ...)
    centered = x - mu;
    v = mean(centered * centered, dims, true);  // biased
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      const auto nd = static_cast<double>(n);
      if (running_mean.defined())
        copy_(running_mean, running_mean * (1 - momentum) + reshape(mu, {C}) * momentum);
      if (running_var.defined())  // the unbiased variance, as PyTorch
        copy_(running_var,
              running_var * (1 - momentum) + reshape(v, {C}) * (momentum * nd / (nd - 1)));
    }
  } else {
    check(running_mean.defined() && running_var.defined(),
          "batch_norm: evaluation needs running_mean and running_var (input {})", x.shape());
    centered = x - reshape(running_mean, channel_shape);
    v = reshape(running_var, channel_shape);
  }
  Tensor y = centered * rsqrt(v + eps);
  if (weight.defined()) y = y * reshape(weight, channel_shape);
  if (bias.defined()) y = y + reshape(bias, channel_shape);
  return y;
}

Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  const int k = normalized_shape.size();
  bool trailing = k >= 1 && x.dim() >= k;
  for (int i = 0; trailing && i < k; ++i) trailing = x.size(x.dim() - k + i) == normalized_shape[i];
  check(trailing, "rms_norm: input {} does not end with normalized_shape {}", x.shape(),
        normalized_shape);
  check(!weight.defined() || weight.shape() == normalized_shape,
        "rms_norm: weight must have shape {} (normalized_shape), got {}", normalized_shape,
        weight.defined() ? weight.shape() : Shape{});
  check(is_floating(x.dtype()), "rms_norm: expected a floating input, got {} {}", x.shape(),
        x.dtype());
  const double e = eps                       ? *eps
                   : x.dtype() == DType::f64 ? std::numeric_limits<double>::epsilon()
                                             : std::numeric_limits<float>::epsilon();
  DimList dims;
  for (int d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
  const Tensor y = x * rsqrt(mean(x * x, dims, true) + e);  // (..., normalized_shape)
  return weight.defined() ? y * weight : y;
}

}  // namespace liandan::nn::functional
