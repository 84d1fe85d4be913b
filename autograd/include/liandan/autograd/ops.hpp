// The differentiable ops on liandan::Tensor. Each records a node when grad mode is on and an
// input requires grad; its backward is written with these same ops, so gradients of gradients
// work (double backward). Shapes, broadcasting and errors follow core/ (and PyTorch).
//
// Note [Primitive ops]: every op with a node of its own (a backward formula), in
// autograd/src/ops/<op>.cpp (a mirror or adjoint shares its op's file: sub in add.cpp,
// scatter_add in gather.cpp), declared here unless marked:
//   unary      neg exp log sqrt tanh sigmoid erf abs relu gelu silu elu leaky_relu softplus
//              clamp pow(scalar)
//   binary     add sub mul div pow maximum minimum where
//   reduce     sum amax amin max/min(dim) cumsum std norm
//   linalg/nn  matmul softmax log_softmax layer_norm causal_dot_product
//              scaled_dot_product_attention rope (both in attention.hpp)
//   index      index_select index_add gather scatter_add cat tril triu
//   movement   view(reshape) permute expand slice slice_scatter contiguous(clone) to(dtype)
//   conv       conv2d conv2d_input_grad conv2d_weight_grad max_pool2d avg_pool2d
//              avg_pool2d_adjoint (avg_pool2d's backward, internal to avg_pool2d.cpp)
//   in place   add_ mul_ copy_ fill_ (one node kind, Note [In-place ops] in inplace.cpp)
// Everything else (mean var logsumexp rsqrt embedding stack split chunk select narrow squeeze
// unsqueeze flatten conv_transpose2d attention_reference zero_, the scalar forms, the operators
// and the Tensor methods) is composed of primitives and gets its gradient for free.
#pragma once

#include <cstdint>
#include <vector>

#include "liandan/autograd/tensor.hpp"
#include "liandan/core/conv.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/linear_attention.hpp"
#include "liandan/core/pool.hpp"
#include "liandan/core/reduce.hpp"

namespace liandan {

using core::DimList;
using core::GeluApprox;

// ---- unary
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // not differentiable (zero gradient)
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::none);
Tensor silu(const Tensor& x);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor clamp(const Tensor& x, double min, double max);
Tensor pow(const Tensor& x, double exponent);

// ---- binary (NumPy broadcasting; the engine sums gradients back to each input's shape)
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// Comparisons give bool tensors outside any graph.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);

Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

// ---- reductions
Tensor sum(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, const DimList& dims = {}, double correction = 1, bool keepdim = false);
// std and norm take PyTorch's subgradient 0 where they are 0 (a constant group, a zero vector).
Tensor std(const Tensor& x, const DimList& dims = {}, double correction = 1, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const DimList& dims, bool keepdim = false);
Tensor norm(const Tensor& x, double p = 2, const DimList& dims = {}, bool keepdim = false);
struct ValuesIndices {
  Tensor values;
  Tensor indices;  // i64, no gradient
};
ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor cumsum(const Tensor& x, std::int64_t dim);

// ---- linear algebra and normalisation
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);
// weight and bias may be undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// The numerator of causal linear attention, out_i = sum_{j <= i} (q_i . k_j) v_j (reverse:
// j >= i), chunked, never storing the T x T matrix or the prefix states
// (core/linear_attention.hpp). q, k (..., T, D), v (..., T, M) -> (..., T, M). Differentiable to
// any order.
Tensor causal_dot_product(const Tensor& q, const Tensor& k, const Tensor& v,
                          const core::CausalDotProductOptions& options = {});

// ---- indexing, joining
Tensor embedding(const Tensor& weight, const Tensor& indices);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& indices, std::int64_t num_classes = -1);  // no gradient
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);
std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim);
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim);
Tensor tril(const Tensor& x, std::int64_t k = 0);
Tensor triu(const Tensor& x, std::int64_t k = 0);

// ---- movement (views share data with their input)
Tensor view(const Tensor& x, const Shape& shape);
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor permute(const Tensor& x, const Dims& dims);
Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1);
Tensor expand(const Tensor& x, const Shape& shape);
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end,
             std::int64_t step = 1);
// The adjoint of slice: zeros of `shape` with src written into the slice.
Tensor slice_scatter(const Tensor& src, const Shape& shape, std::int64_t dim, std::int64_t start,
                     std::int64_t end, std::int64_t step = 1);
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor flatten(const Tensor& x, std::int64_t start = 0, std::int64_t end = -1);
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor to(const Tensor& x, DType dtype);

// ---- convolution and pooling (NCHW)
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const core::Conv2dOptions& options = {});
// The two adjoints of conv2d (its backward), themselves differentiable.
Tensor conv2d_input_grad(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                         const core::Conv2dOptions& options);
Tensor conv2d_weight_grad(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                          const core::Conv2dOptions& options);
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        const core::ConvTranspose2dOptions& options = {});
Tensor max_pool2d(const Tensor& x, const core::Pool2dOptions& options);
Tensor avg_pool2d(const Tensor& x, const core::Pool2dOptions& options);

// ---- in place (refused on a leaf that requires grad while grad mode is on, and on a view of
// a tensor that requires grad; each bumps the version counter)
void add_(const Tensor& self, const Tensor& other, double alpha = 1.0);
void mul_(const Tensor& self, const Tensor& other);
void mul_(const Tensor& self, double value);
void copy_(const Tensor& self, const Tensor& src);
void zero_(const Tensor& self);
void fill_(const Tensor& self, double value);

}  // namespace liandan
