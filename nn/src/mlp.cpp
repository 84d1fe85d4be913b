// nn::MLP.
#include "liandan/nn/mlp.hpp"

namespace liandan::nn {

MLP::MLP(std::int64_t in_features, std::int64_t hidden_features, const MLPOptions& options)
    : activation(options.activation),
      fc1(in_features, hidden_features, {.bias = options.bias, .dtype = options.dtype}),
      fc2(hidden_features, options.out_features ? options.out_features : in_features,
          {.bias = options.bias, .dtype = options.dtype}),
      dropout(options.dropout) {
  register_module("fc1", fc1);
  if (options.glu) {
    gate.emplace(in_features, hidden_features,
                 LinearOptions{.bias = options.bias, .dtype = options.dtype});
    register_module("gate", *gate);
  }
  register_modules({{"fc2", fc2}, {"dropout", dropout}});
}

Tensor MLP::forward(const Tensor& x) {
  const Tensor h = gate ? activate((*gate)(x), activation) * fc1(x)  // (..., hidden)
                        : activate(fc1(x), activation);
  return dropout(fc2(h));  // (..., out)
}

std::string MLP::extra_repr() const {
  return fmt::format("activation={}, glu={}", to_string(activation), gate.has_value());
}

}  // namespace liandan::nn
