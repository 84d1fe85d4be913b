// Elementwise ops: unary math, binary arithmetic with broadcasting, comparisons, where.
// All run on detail::elementwise (Note [Elementwise loop]); the functors are the math.
#include "liandan/core/elementwise.hpp"

#include <algorithm>
#include <cmath>

#include "elementwise_loop.hpp"
#include "liandan/core/overlap.hpp"
#include "vmath.hpp"

namespace liandan::core {
namespace {

using detail::elementwise;

// Per-element cost hints for the parallel grain: transcendental functions cost more.
constexpr std::int64_t kCheap = 1, kTranscendental = 8;

// Which dtypes an op accepts: every numeric one, or floating only.
enum class Accepts { numeric, floating };

template <Accepts kAccepts, typename Run>
void dispatch(DType t, const char* op, Run&& run) {
  if constexpr (kAccepts == Accepts::numeric) {
    dispatch_numeric(t, op, run);
  } else {
    dispatch_floating(t, op, run);
  }
}

template <Accepts kAccepts, typename F>
Tensor unary(const Tensor& x, const char* op, std::int64_t cost, F f) {
  check(x.defined(), "{}: undefined tensor", op);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch<kAccepts>(x.dtype(), op, [&]<typename T>() { elementwise<T, T>(out, f, {x}, cost); });
  return out;
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check(a.defined() && b.defined(), "{}: undefined tensor", op);
  check(a.dtype() == b.dtype(), "{}: dtype mismatch {} {} vs {} {} (convert with .to())", op,
        a.shape(), a.dtype(), b.shape(), b.dtype());
}

template <Accepts kAccepts, typename F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_same_dtype(a, b, op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), a.dtype());
  dispatch<kAccepts>(a.dtype(), op, [&]<typename T>() { elementwise<T, T, T>(out, f, {a, b}); });
  return out;
}

template <typename F>
Tensor compare(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_same_dtype(a, b, op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), DType::b8);
  dispatch_all(a.dtype(), [&]<typename T>() { elementwise<bool, T, T>(out, f, {a, b}); });
  return out;
}

Tensor scalar_like(const Tensor& x, double v) {
  check(x.defined(), "scalar operand: undefined tensor");
  return Tensor::scalar(v, x.dtype());
}

template <typename T>
T sigmoid_of(T v) {
  return T(1) / (T(1) + detail::vexp(-v));
}

template <typename T>
T gelu_erf(T v) {
  return T(0.5) * v * (T(1) + detail::verf(v * T(0.70710678118654752440)));
}

template <typename T>
T gelu_tanh(T v) {
  const T inner = T(0.79788456080286535588) * (v + T(0.044715) * v * v * v);
  return T(0.5) * v * (T(1) + detail::vtanh(inner));
}

}  // namespace

// ---- unary

Tensor neg(const Tensor& x) {
  return unary<Accepts::numeric>(x, "neg", kCheap, [](auto v) { return -v; });
}
Tensor abs(const Tensor& x) {
  return unary<Accepts::numeric>(x, "abs", kCheap, [](auto v) { return v < 0 ? -v : v; });
}
Tensor sign(const Tensor& x) {
  return unary<Accepts::numeric>(x, "sign", kCheap, [](auto v) {
    using T = decltype(v);
    return static_cast<T>((v > 0) - (v < 0));
  });
}
Tensor exp(const Tensor& x) {
  return unary<Accepts::floating>(x, "exp", kTranscendental,
                                  [](auto v) { return detail::vexp(v); });
}
Tensor log(const Tensor& x) {
  return unary<Accepts::floating>(x, "log", kTranscendental, [](auto v) { return std::log(v); });
}
Tensor sqrt(const Tensor& x) {
  return unary<Accepts::floating>(x, "sqrt", kCheap, [](auto v) { return std::sqrt(v); });
}
Tensor rsqrt(const Tensor& x) {
  return unary<Accepts::floating>(x, "rsqrt", kCheap,
                                  [](auto v) { return decltype(v)(1) / std::sqrt(v); });
}
Tensor tanh(const Tensor& x) {
  return unary<Accepts::floating>(x, "tanh", kTranscendental,
                                  [](auto v) { return detail::vtanh(v); });
}
Tensor sigmoid(const Tensor& x) {
  return unary<Accepts::floating>(x, "sigmoid", kTranscendental,
                                  [](auto v) { return sigmoid_of(v); });
}
Tensor erf(const Tensor& x) {
  return unary<Accepts::floating>(x, "erf", kTranscendental,
                                  [](auto v) { return detail::verf(v); });
}
Tensor relu(const Tensor& x) {
  return unary<Accepts::numeric>(x, "relu", kCheap,
                                 [](auto v) { return v < 0 ? decltype(v)(0) : v; });
}
Tensor gelu(const Tensor& x, GeluApprox approx) {
  if (approx == GeluApprox::tanh)
    return unary<Accepts::floating>(x, "gelu", kTranscendental,
                                    [](auto v) { return gelu_tanh(v); });
  return unary<Accepts::floating>(x, "gelu", kTranscendental, [](auto v) { return gelu_erf(v); });
}

// grad * f'(x) for an activation's backward, in one pass over contiguous blocks of kBlock
// elements: body(g, x, out, n) handles one block (its `omp simd` loops keep the vector math
// inlined, which a per-element lambda through elementwise<> does not).
template <typename Body>
Tensor activation_backward(const Tensor& grad, const Tensor& x, const char* op, Body body) {
  check_same_dtype(grad, x, op);
  check(grad.shape() == x.shape(), "{}: grad {} and x {} differ in shape", op, grad.shape(),
        x.shape());
  const Tensor gc = grad.contiguous(), xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    const T *gp = gc.data<T>(), *xp = xc.data<T>();
    T* op_ = out.data<T>();
    constexpr std::int64_t block = detail::kBlock;
    const std::int64_t blocks = (x.numel() + block - 1) / block;
    parallel_for(blocks, block * kTranscendental, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const std::int64_t start = b * block, n = std::min(block, x.numel() - start);
        body(gp + start, xp + start, op_ + start, n);
      }
    });
  });
  return out;
}

// Note [Fused gelu backward]: dx = g * gelu'(x), where gelu'(x) = Phi(x) + x phi(x) (erf form),
// or (1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2 with t = tanh(k (x + c x^3)) (tanh form), in
// one pass over x and g. Blocks run one `omp simd` loop per transcendental function: a loop
// calling both vexp and verf exceeds GCC's inlining budget, and an out-of-line call would keep
// it scalar.
Tensor gelu_backward(const Tensor& grad, const Tensor& x, GeluApprox approx) {
  return activation_backward(
      grad, x, "gelu_backward", [approx]<typename T>(const T* g, const T* v, T* o, std::int64_t n) {
        if (approx == GeluApprox::tanh) {
          constexpr T k = T(0.79788456080286535588), c = T(0.044715);
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) {
            const T t = detail::vtanh(k * (v[i] + c * v[i] * v[i] * v[i]));
            o[i] = g[i] * (T(0.5) * (T(1) + t) +
                           T(0.5) * v[i] * (T(1) - t * t) * k * (T(1) + T(3) * c * v[i] * v[i]));
          }
          return;
        }
        T pdf[detail::kBlock];
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i)
          pdf[i] = T(0.39894228040143267794) * detail::vexp(T(-0.5) * v[i] * v[i]);
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) {
          const T cdf = T(0.5) * (T(1) + detail::verf(v[i] * T(0.70710678118654752440)));
          o[i] = g[i] * (cdf + v[i] * pdf[i]);
        }
      });
}

Tensor silu(const Tensor& x) {
  return unary<Accepts::floating>(x, "silu", kTranscendental,
                                  [](auto v) { return v * sigmoid_of(v); });
}
// elu and its backward take e^min(x, 0) on every element and select after: without a branch
// around vexp the loop vectorises, and e^x of a large positive x is never formed. A NaN x
// stays NaN through min (x > 0 is false) and so through both branches, as PyTorch.
Tensor elu(const Tensor& x, double alpha) {
  return unary<Accepts::floating>(x, "elu", kTranscendental, [alpha](auto v) {
    using T = decltype(v);
    const T neg = static_cast<T>(alpha) * (detail::vexp(v > T(0) ? T(0) : v) - T(1));
    return v > 0 ? v : neg;
  });
}
Tensor elu_backward(const Tensor& grad, const Tensor& x, double alpha) {
  return activation_backward(
      grad, x, "elu_backward", [alpha]<typename T>(const T* g, const T* v, T* o, std::int64_t n) {
        const T a = static_cast<T>(alpha);  // a local: the loop must not re-read the closure
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) {
          const T slope = a * detail::vexp(v[i] > T(0) ? T(0) : v[i]);
          o[i] = v[i] > 0 ? g[i] : g[i] * slope;
        }
      });
}
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return unary<Accepts::floating>(x, "leaky_relu", kCheap, [negative_slope](auto v) {
    return v < 0 ? static_cast<decltype(v)>(negative_slope) * v : v;
  });
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
  check(beta > 0, "softplus: beta must be positive, got {}", beta);
  return unary<Accepts::floating>(x, "softplus", kTranscendental, [beta, threshold](auto v) {
    using T = decltype(v);
    const T bx = static_cast<T>(beta) * v;
    return bx > static_cast<T>(threshold) ? v : std::log1p(detail::vexp(bx)) / static_cast<T>(beta);
  });
}
Tensor clamp(const Tensor& x, double min, double max) {
  check(!(min > max), "clamp: min {} > max {}", min, max);
  return unary<Accepts::numeric>(x, "clamp", kCheap, [min, max](auto v) {
    using T = decltype(v);
    const T lo = static_cast<T>(min), hi = static_cast<T>(max);
    return v < lo ? lo : (v > hi ? hi : v);
  });
}
Tensor clamp_min(const Tensor& x, double min) {
  return unary<Accepts::numeric>(x, "clamp_min", kCheap, [min](auto v) {
    const auto lo = static_cast<decltype(v)>(min);
    return v < lo ? lo : v;
  });
}
Tensor clamp_max(const Tensor& x, double max) {
  return unary<Accepts::numeric>(x, "clamp_max", kCheap, [max](auto v) {
    const auto hi = static_cast<decltype(v)>(max);
    return v > hi ? hi : v;
  });
}
Tensor pow(const Tensor& x, double exponent) {
  if (exponent == 2)
    return unary<Accepts::floating>(x, "pow", kCheap, [](auto v) { return v * v; });
  if (exponent == 1) return unary<Accepts::floating>(x, "pow", kCheap, [](auto v) { return v; });
  if (exponent == 0.5) return sqrt(x);
  return unary<Accepts::floating>(x, "pow", kTranscendental, [exponent](auto v) {
    return std::pow(v, static_cast<decltype(v)>(exponent));
  });
}

// ---- binary

Tensor add(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "add", [](auto x, auto y) { return x + y; });
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "sub", [](auto x, auto y) { return x - y; });
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "mul", [](auto x, auto y) { return x * y; });
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "div", [](auto x, auto y) { return x / y; });
}
Tensor pow(const Tensor& a, const Tensor& b) {
  return binary<Accepts::floating>(a, b, "pow", [](auto x, auto y) { return std::pow(x, y); });
}
// NaN in either operand propagates, as in PyTorch.
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "maximum",
                                  [](auto x, auto y) { return (x != x || x > y) ? x : y; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary<Accepts::numeric>(a, b, "minimum",
                                  [](auto x, auto y) { return (x != x || x < y) ? x : y; });
}
Tensor add(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }

Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha) {
  return binary<Accepts::numeric>(a, b, "add_scaled", [alpha](auto x, auto y) {
    return x + static_cast<decltype(x)>(alpha) * y;
  });
}

// ---- comparisons

Tensor eq(const Tensor& a, const Tensor& b) {
  return compare(a, b, "eq", [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ne", [](auto x, auto y) { return x != y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "lt", [](auto x, auto y) { return x < y; });
}
Tensor le(const Tensor& a, const Tensor& b) {
  return compare(a, b, "le", [](auto x, auto y) { return x <= y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "gt", [](auto x, auto y) { return x > y; });
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ge", [](auto x, auto y) { return x >= y; });
}
Tensor eq(const Tensor& a, double b) { return eq(a, scalar_like(a, b)); }
Tensor ne(const Tensor& a, double b) { return ne(a, scalar_like(a, b)); }
Tensor lt(const Tensor& a, double b) { return lt(a, scalar_like(a, b)); }
Tensor le(const Tensor& a, double b) { return le(a, scalar_like(a, b)); }
Tensor gt(const Tensor& a, double b) { return gt(a, scalar_like(a, b)); }
Tensor ge(const Tensor& a, double b) { return ge(a, scalar_like(a, b)); }

Tensor logical_not(const Tensor& mask) {
  check(mask.defined() && mask.dtype() == DType::b8, "logical_not: expected a bool tensor, got {}",
        mask.dtype());
  Tensor out = Tensor::empty(mask.shape(), DType::b8);
  elementwise<bool, bool>(out, [](bool v) { return !v; }, {mask});
  return out;
}
Tensor logical_and(const Tensor& a, const Tensor& b) {
  check(a.dtype() == DType::b8 && b.dtype() == DType::b8,
        "logical_and: expected bool tensors, got {} and {}", a.dtype(), b.dtype());
  return compare(a, b, "logical_and", [](bool x, bool y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  check(a.dtype() == DType::b8 && b.dtype() == DType::b8,
        "logical_or: expected bool tensors, got {} and {}", a.dtype(), b.dtype());
  return compare(a, b, "logical_or", [](bool x, bool y) { return x || y; });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check(cond.defined() && cond.dtype() == DType::b8, "where: condition must be bool, got {} {}",
        cond.shape(), cond.dtype());
  check_same_dtype(a, b, "where");
  const Shape shape =
      broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch_all(a.dtype(), [&]<typename T>() {
    elementwise<T, bool, T, T>(out, [](bool c, T x, T y) { return c ? x : y; }, {cond, a, b});
  });
  return out;
}
Tensor where(const Tensor& cond, const Tensor& a, double b) {
  return where(cond, a, scalar_like(a, b));
}

// ---- in place

void add_(const Tensor& self, const Tensor& other, double alpha) {
  check_same_dtype(self, other, "add_");
  check(broadcast_shapes(self.shape(), other.shape(), "add_") == self.shape(),
        "add_: {} does not broadcast to the destination shape {}", other.shape(), self.shape());
  check_no_internal_overlap(self, "add_");  // Note [In-place overlap]
  check_no_partial_overlap(self, other, "add_");
  dispatch_numeric(self.dtype(), "add_", [&]<typename T>() {
    const T s = static_cast<T>(alpha);
    elementwise<T, T, T>(self, [s](T x, T y) { return x + s * y; }, {self, other});
  });
  self.bump_version();
}

void mul_(const Tensor& self, const Tensor& other) {
  check_same_dtype(self, other, "mul_");
  check(broadcast_shapes(self.shape(), other.shape(), "mul_") == self.shape(),
        "mul_: {} does not broadcast to the destination shape {}", other.shape(), self.shape());
  check_no_internal_overlap(self, "mul_");
  check_no_partial_overlap(self, other, "mul_");
  dispatch_numeric(self.dtype(), "mul_", [&]<typename T>() {
    elementwise<T, T, T>(self, [](T x, T y) { return x * y; }, {self, other});
  });
  self.bump_version();
}

void mul_(const Tensor& self, double value) { mul_(self, scalar_like(self, value)); }

}  // namespace liandan::core
