// Elementwise ops with NumPy broadcasting. Binary ops need equal dtypes (no silent
// promotion); a double scalar operand takes the tensor's dtype.
#pragma once

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// ---- unary (floating dtypes unless noted)
Tensor neg(const Tensor& x);   // numeric
Tensor abs(const Tensor& x);   // numeric
Tensor sign(const Tensor& x);  // numeric; sign(0) = 0
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor relu(const Tensor& x);
enum class GeluApprox { none, tanh };  // erf form, or the tanh approximation
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::none);
// grad * d gelu(x) / dx in one pass: gelu's backward when no graph of it is needed.
Tensor gelu_backward(const Tensor& grad, const Tensor& x, GeluApprox approx = GeluApprox::none);
Tensor silu(const Tensor& x);
Tensor elu(const Tensor& x, double alpha = 1.0);
// grad * elu'(x) in one pass (the backward without create_graph).
Tensor elu_backward(const Tensor& grad, const Tensor& x, double alpha = 1.0);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch).
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor clamp(const Tensor& x, double min, double max);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);
Tensor pow(const Tensor& x, double exponent);

// ---- binary (numeric dtypes; pow and div of i64 follow C++ integer rules: avoid)
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);  // floating
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
// a + alpha * b, the fused form optimizers and accumulation need.
Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha);

// ---- comparisons: results are bool tensors
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
Tensor logical_not(const Tensor& mask);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);

// where(cond, a, b): cond is bool; all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, double b);

// ---- in place (the destination keeps its shape; the source broadcasts to it)
void add_(const Tensor& self, const Tensor& other, double alpha = 1.0);
void mul_(const Tensor& self, const Tensor& other);
void mul_(const Tensor& self, double value);

}  // namespace liandan::core
