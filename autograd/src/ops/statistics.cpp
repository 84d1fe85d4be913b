// Composite reductions: mean, var, logsumexp. Built from primitives (sum, amax, exp, log), so
// their gradients come for free and match core's forward formulas. std and norm have nodes of
// their own (std.cpp, norm.cpp) for PyTorch's subgradient where they are 0.
#include <algorithm>
#include <cmath>
#include <limits>

#include "liandan/autograd/node.hpp"
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
  check_input(x, op, "x");
  check(is_floating(x.dtype()), "{}: expected a floating tensor, got {} {}", op, x.shape(),
        x.dtype());
}

}  // namespace

Tensor mean(const Tensor& x, const DimList& dims, bool keepdim) {
  check_input(x, "mean", "x");
  check_floating(x, "mean");
  return div(sum(x, dims, keepdim), scalar_like(x, reduced_count(x, dims)));
}

// var = sum((x - mean)^2) / max(n - correction, 0), as PyTorch.
Tensor var(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  check_input(x, "var", "x");
  check_floating(x, "var");
  const Tensor centered = x - mean(x, dims, true);
  const double n = std::max(reduced_count(x, dims) - correction, 0.0);
  return div(sum(centered * centered, dims, keepdim), scalar_like(x, n));
}

// log(sum(exp(x - m))) + m. The shift m = max(x) is a detached constant: the result does not
// depend on it (its gradient is softmax(x) either way), it only keeps exp from overflowing.
// Groups whose max is infinite use m = 0 (as PyTorch).
Tensor logsumexp(const Tensor& x, const DimList& dims, bool keepdim) {
  check_input(x, "logsumexp", "x");
  check_floating(x, "logsumexp");
  const core::Tensor m = core::amax(x.data(), dims, true);
  const Tensor shift(core::where(core::eq(core::abs(m), std::numeric_limits<double>::infinity()),
                                 core::Tensor::scalar(0, x.dtype()), m));
  const Tensor out = log(sum(exp(x - shift), dims, true)) + shift;
  return keepdim ? out : reshape(out, core::reduced_shape(x.shape(), dims, false));
}

}  // namespace liandan
