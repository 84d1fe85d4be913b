// Reductions over any set of dims (empty = all dims), with keepdim; and cumsum.
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// Dims to reduce, e.g. {0, 2}; {} means every dim.
using DimList = Dims;

// The shape a reduction over dims leaves: reduced dims removed, or kept as 1 with keepdim.
Shape reduced_shape(const Shape& shape, const DimList& dims, bool keepdim);

Tensor sum(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const DimList& dims = {}, bool keepdim = false);
// var/std with Bessel's correction by default (correction = 1), as PyTorch.
Tensor var(const Tensor& x, const DimList& dims = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const DimList& dims = {}, double correction = 1, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const DimList& dims, bool keepdim = false);
// p-norm: p = 2 (default), 1, inf (std::numeric_limits<double>::infinity()) or any p > 0.
Tensor norm(const Tensor& x, double p = 2, const DimList& dims = {}, bool keepdim = false);

// Along one dim; values and the index of the first extreme element (i64).
struct ValuesIndices {
  Tensor values;
  Tensor indices;
};
ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);

Tensor cumsum(const Tensor& x, std::int64_t dim);

}  // namespace liandan::core
