// Composite reductions: mean, var, std, logsumexp, norm. Built from primitives (sum, amax, abs,
// pow, sqrt, exp, log), so their gradients come for free and match core's forward formulas.
#include <algorithm>
#include <cmath>
#include <limits>

#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

Tensor scalar_like(const Tensor& x, double v) { return Tensor(core::Tensor::scalar(v, x.dtype())); }

// How many elements of x each result of a reduction over dims combines.
double reduced_count(const Tensor& x, const DimList& dims) {
  const Shape kept = core::reduced_shape(x.shape(), dims, true);
  double n = 1;
  for (int i = 0; i < x.dim(); ++i)
    if (kept[i] == 1) n *= static_cast<double>(x.size(i));
  return n;
}

void check_floating(const Tensor& x, const char* op) {
  check(x.defined(), "{}: undefined tensor", op);
  check(is_floating(x.dtype()), "{}: expected a floating tensor, got {} {}", op, x.shape(),
        x.dtype());
}

}  // namespace

Tensor mean(const Tensor& x, const DimList& dims, bool keepdim) {
  check_floating(x, "mean");
  return div(sum(x, dims, keepdim), scalar_like(x, reduced_count(x, dims)));
}

// var = sum((x - mean)^2) / max(n - correction, 0), as PyTorch.
Tensor var(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  check_floating(x, "var");
  const Tensor centered = x - mean(x, dims, true);
  const double n = std::max(reduced_count(x, dims) - correction, 0.0);
  return div(sum(centered * centered, dims, keepdim), scalar_like(x, n));
}

Tensor std(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

// log(sum(exp(x - m))) + m. The shift m = max(x) is a detached constant: the result does not
// depend on it (its gradient is softmax(x) either way), it only keeps exp from overflowing.
// Groups whose max is infinite use m = 0 (as PyTorch).
Tensor logsumexp(const Tensor& x, const DimList& dims, bool keepdim) {
  check_floating(x, "logsumexp");
  const core::Tensor m = core::amax(x.data(), dims, true);
  const Tensor shift(core::where(core::eq(core::abs(m), std::numeric_limits<double>::infinity()),
                                 core::Tensor::scalar(0, x.dtype()), m));
  const Tensor out = log(sum(exp(x - shift), dims, true)) + shift;
  return keepdim ? out : reshape(out, core::reduced_shape(x.shape(), dims, false));
}

// p-norm: p = inf is max |x|, p = 2 sqrt(sum x^2), p = 1 sum |x|, else (sum |x|^p)^(1/p).
// Gradients follow the compositions: at a zero norm, p = 2 and p > 1 give NaN (PyTorch: 0).
Tensor norm(const Tensor& x, double p, const DimList& dims, bool keepdim) {
  check_floating(x, "norm");
  check(p > 0, "norm: p must be positive, got {}", p);
  if (std::isinf(p)) return amax(abs(x), dims, keepdim);
  if (p == 2) return sqrt(sum(x * x, dims, keepdim));
  if (p == 1) return sum(abs(x), dims, keepdim);
  return pow(sum(pow(abs(x), p), dims, keepdim), 1.0 / p);
}

}  // namespace liandan
