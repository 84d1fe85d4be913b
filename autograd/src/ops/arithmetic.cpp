// Composites: scalar operands and the arithmetic operators.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

Tensor scalar_like(const Tensor& x, double v) { return Tensor(core::Tensor::scalar(v, x.dtype())); }

}  // namespace

Tensor add(const Tensor& a, double b) {
  check_input(a, "add", "a");
  return add(a, scalar_like(a, b));
}
Tensor sub(const Tensor& a, double b) {
  check_input(a, "sub", "a");
  return sub(a, scalar_like(a, b));
}
Tensor mul(const Tensor& a, double b) {
  check_input(a, "mul", "a");
  return mul(a, scalar_like(a, b));
}
Tensor div(const Tensor& a, double b) {
  check_input(a, "div", "a");
  return mul(a, scalar_like(a, 1.0 / b));
}

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
Tensor operator/(double a, const Tensor& b) {
  check_input(b, "div", "b");
  return div(scalar_like(b, a), b);
}

// Comparisons: data only, outside any graph.
namespace {
Tensor compare(const Tensor& a, const Tensor& b, const char* op,
               core::Tensor (*f)(const core::Tensor&, const core::Tensor&)) {
  check_input(a, op, "a");
  check_input(b, op, "b");
  return Tensor(f(a.data(), b.data()));
}
}  // namespace
Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, "eq", core::eq); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, "ne", core::ne); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, "lt", core::lt); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, "le", core::le); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, "gt", core::gt); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, "ge", core::ge); }
Tensor gt(const Tensor& a, double b) {
  check_input(a, "gt", "a");
  return Tensor(core::gt(a.data(), b));
}
Tensor lt(const Tensor& a, double b) {
  check_input(a, "lt", "a");
  return Tensor(core::lt(a.data(), b));
}

}  // namespace liandan
