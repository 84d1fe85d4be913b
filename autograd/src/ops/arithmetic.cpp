// Composites: scalar operands and the arithmetic operators.
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

Tensor scalar_like(const Tensor& x, double v) {
  check(x.defined(), "scalar operand: undefined tensor");
  return Tensor(core::Tensor::scalar(v, x.dtype()));
}

}  // namespace

Tensor add(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor div(const Tensor& a, double b) { return mul(a, scalar_like(a, 1.0 / b)); }

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

// Comparisons: data only, outside any graph.
Tensor eq(const Tensor& a, const Tensor& b) { return Tensor(core::eq(a.data(), b.data())); }
Tensor ne(const Tensor& a, const Tensor& b) { return Tensor(core::ne(a.data(), b.data())); }
Tensor lt(const Tensor& a, const Tensor& b) { return Tensor(core::lt(a.data(), b.data())); }
Tensor le(const Tensor& a, const Tensor& b) { return Tensor(core::le(a.data(), b.data())); }
Tensor gt(const Tensor& a, const Tensor& b) { return Tensor(core::gt(a.data(), b.data())); }
Tensor ge(const Tensor& a, const Tensor& b) { return Tensor(core::ge(a.data(), b.data())); }
Tensor gt(const Tensor& a, double b) { return Tensor(core::gt(a.data(), b)); }
Tensor lt(const Tensor& a, double b) { return Tensor(core::lt(a.data(), b)); }

}  // namespace liandan
