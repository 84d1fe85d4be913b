// nn::Linear.
#include "liandan/nn/linear.hpp"

#include <cmath>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"

namespace liandan::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options) {
  check(in_features > 0 && out_features > 0, "Linear: features must be positive, got {} -> {}",
        in_features, out_features);
  weight = zeros({out_features, in_features}, {.dtype = options.dtype});
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  register_parameter("weight", weight);
  if (options.bias) {
    const double bound = 1 / std::sqrt(static_cast<double>(in_features));
    bias = zeros({out_features}, {.dtype = options.dtype});
    init::uniform_(bias, -bound, bound);
    register_parameter("bias", bias);
  }
}

Tensor Linear::forward(const Tensor& x) {
  check(x.dim() >= 1 && x.size(-1) == weight.size(1),
        "Linear: input of shape {} does not end with in_features {}", x.shape(), weight.size(1));
  const Tensor y = matmul(x, transpose(weight, 0, 1));
  return bias.defined() ? y + bias : y;
}

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", weight.size(1), weight.size(0),
                     bias.defined());
}

}  // namespace liandan::nn
