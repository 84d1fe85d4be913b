// LayerNorm (the layer_norm op) and RMSNorm (functional::rms_norm).
#include "liandan/nn/normalization.hpp"

#include <algorithm>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/functional.hpp"
#include "repr.hpp"

namespace liandan::nn {

namespace {
void check_normalized_shape(const Shape& s, const char* op) {
  check(!s.empty() && std::all_of(s.begin(), s.end(), [](std::int64_t d) { return d > 0; }),
        "{}: normalized_shape {} must be non-empty with positive sizes", op, s);
}
}  // namespace

LayerNorm::LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options)
    : normalized_shape(normalized_shape), eps(options.eps) {
  check_normalized_shape(normalized_shape, "LayerNorm");
  if (!options.elementwise_affine) return;
  weight = ones(normalized_shape, {.dtype = options.dtype});
  register_parameter("weight", weight);
  if (options.bias) {
    bias = zeros(normalized_shape, {.dtype = options.dtype});
    register_parameter("bias", bias);
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", repr::tuple(normalized_shape),
                     repr::py_float(eps), weight.defined());
}

RMSNorm::RMSNorm(const Shape& normalized_shape, const RMSNormOptions& options)
    : normalized_shape(normalized_shape), eps(options.eps) {
  check_normalized_shape(normalized_shape, "RMSNorm");
  if (!options.elementwise_affine) return;
  weight = ones(normalized_shape, {.dtype = options.dtype});
  register_parameter("weight", weight);
}

Tensor RMSNorm::forward(const Tensor& x) {
  return functional::rms_norm(x, normalized_shape, weight, eps);
}

std::string RMSNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", repr::tuple(normalized_shape),
                     repr::py_float(eps), weight.defined());
}

}  // namespace liandan::nn
