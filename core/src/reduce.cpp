// Reductions (sum, amax/amin and what is composed from them), max/min with indices, cumsum.
//
// Note [Reduction plan]: kept dims and reduced dims are each coalesced. If the reduced dims
// form one unit-stride run, every output is a row reduction; rows longer than kSegment are cut
// into fixed segments reduced in parallel and combined in order, so a full reduction of a big
// tensor uses every thread and still gives the same bits for any thread count. If instead the
// kept dims form one unit-stride run (reducing leading dims), outputs are accumulated column-
// wise, vectorised along the kept run. Anything else is first copied into [kept..., reduced...]
// order.
#include "liandan/core/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "elementwise_loop.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/parallel.hpp"

namespace liandan::core {
namespace {

constexpr std::int64_t kSegment = 16384;
constexpr int kLanes = 16;

template <typename T>
struct SumOp {
  static T init() { return T(0); }
  static T combine(T acc, T v) { return acc + v; }
};
// NaN propagates, as torch.amax.
template <typename T>
struct MaxOp {
  static T init() {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::lowest();
  }
  static T combine(T acc, T v) { return (v != v || v > acc) ? v : acc; }
};
template <typename T>
struct MinOp {
  static T init() {
    return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::max();
  }
  static T combine(T acc, T v) { return (v != v || v < acc) ? v : acc; }
};

// Reduces a unit-stride run with kLanes independent accumulators (vectorisable, fixed order).
template <typename Op, typename T>
T reduce_run(const T* p, std::int64_t n) {
  T lanes[kLanes];
  for (T& l : lanes) l = Op::init();
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] = Op::combine(lanes[l], p[i + l]);
  T acc = Op::init();
  for (T l : lanes) acc = Op::combine(acc, l);
  for (; i < n; ++i) acc = Op::combine(acc, p[i]);
  return acc;
}

struct ReducePlan {
  Shape out_shape;
  detail::LoopPlan<1> kept, reduced;  // coalesced dims of x (size-1 dims dropped)
  std::int64_t kept_numel = 1, reduced_numel = 1;
};

// Which dims of x a reduction over dims removes ({} = all).
std::vector<bool> reduced_mask(int ndim, const DimList& dims, const char* op) {
  std::vector<bool> reduce(ndim, dims.empty());
  for (std::int64_t d : dims) {
    const int k = wrap_dim(d, ndim, op);
    check(ndim == 0 || !reduce[k], "{}: dim {} repeated in [{}]", op, k, fmt::join(dims, ","));
    if (ndim > 0) reduce[k] = true;
  }
  return reduce;
}

ReducePlan plan_reduction(const Tensor& x, const DimList& dims, bool keepdim, const char* op) {
  const std::vector<bool> reduce = reduced_mask(x.dim(), dims, op);
  ReducePlan plan;
  Shape kept_shape, red_shape;
  Strides kept_strides, red_strides;
  for (int i = 0; i < x.dim(); ++i) {
    if (reduce[i]) {
      red_shape.push_back(x.size(i)), red_strides.push_back(x.stride(i));
      plan.reduced_numel *= x.size(i);
      if (keepdim) plan.out_shape.push_back(1);
    } else {
      kept_shape.push_back(x.size(i)), kept_strides.push_back(x.stride(i));
      plan.kept_numel *= x.size(i);
      plan.out_shape.push_back(x.size(i));
    }
  }
  plan.kept = detail::coalesce<1>(kept_shape, {kept_strides});
  plan.reduced = detail::coalesce<1>(red_shape, {red_strides});
  return plan;
}

bool unit_run(const detail::LoopPlan<1>& p) {
  return p.shape.size() == 1 && (p.strides[0][0] == 1 || p.shape[0] == 1);
}

// Offset (in elements) of the i-th element of a coalesced loop, row-major.
std::int64_t offset_of(const detail::LoopPlan<1>& p, std::int64_t i) {
  std::int64_t off = 0;
  for (int d = p.shape.size() - 1; d >= 0; --d) {
    off += (i % p.shape[d]) * p.strides[0][d];
    i /= p.shape[d];
  }
  return off;
}

template <template <typename> class OpT>
Tensor reduce(const Tensor& x_in, const DimList& dims, bool keepdim, const char* op) {
  check(x_in.defined(), "{}: undefined tensor", op);
  ReducePlan plan = plan_reduction(x_in, dims, keepdim, op);
  Tensor x = x_in;
  if (!unit_run(plan.reduced) && !unit_run(plan.kept) && plan.reduced_numel > 1) {
    // Copy into [kept..., reduced...] order; see Note [Reduction plan].
    const std::vector<bool> reduced = reduced_mask(x.dim(), dims, op);
    std::vector<std::int64_t> order, tail;
    for (int pass = 0; pass < 2; ++pass)
      for (int i = 0; i < x.dim(); ++i)
        if (reduced[i] == (pass == 1)) order.push_back(i);
    x = x.permute(order).contiguous();
    for (int i = x.dim() - static_cast<int>(std::count(reduced.begin(), reduced.end(), true));
         i < x.dim(); ++i)
      tail.push_back(i);
    const Shape out_shape = plan.out_shape;
    plan = plan_reduction(x, Dims(tail), keepdim, op);
    plan.out_shape = out_shape;
  }
  Tensor out = Tensor::empty(plan.out_shape, x.dtype());
  dispatch_numeric(x.dtype(), op, [&]<typename T>() {
    using Op = OpT<T>;
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    const std::int64_t K = plan.kept_numel, R = plan.reduced_numel;
    if (K == 0) return;
    if (R == 0 || R == 1 || unit_run(plan.reduced)) {
      const std::int64_t segments = std::max<std::int64_t>(1, (R + kSegment - 1) / kSegment);
      std::vector<T> partial(segments > 1 ? K * segments : 0);
      parallel_for(
          K * segments, std::min(R, kSegment), [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) {
              const std::int64_t row = i / segments, seg = i % segments;
              const std::int64_t lo = seg * kSegment, n = std::min(R, lo + kSegment) - lo;
              const T v = reduce_run<Op>(src + offset_of(plan.kept, row) + lo, n);
              (segments > 1 ? partial[i] : dst[row]) = v;
            }
          });
      if (segments > 1)
        for (std::int64_t row = 0; row < K; ++row)
          dst[row] = reduce_run<Op>(partial.data() + row * segments, segments);
      return;
    }
    // Column-wise: kept dims are one unit-stride run of length K.
    parallel_for(K, R, [&](std::int64_t b, std::int64_t e) {
      T* o = dst + b;
      const std::int64_t n = e - b;
      for (std::int64_t i = 0; i < n; ++i) o[i] = Op::init();
      for (std::int64_t r = 0; r < R; ++r) {
        const T* p = src + offset_of(plan.reduced, r) + b;
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) o[i] = Op::combine(o[i], p[i]);
      }
    });
  });
  return out;
}

std::int64_t reduced_count(const Tensor& x, const DimList& dims) {
  if (dims.empty() || x.dim() == 0) return x.numel();
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= x.size(d);
  return n;
}

void check_nonempty(const Tensor& x, const DimList& dims, const char* op) {
  check(reduced_count(x, dims) > 0, "{}: cannot reduce over a zero-size dim of shape {}", op,
        x.shape());
}

}  // namespace

Shape reduced_shape(const Shape& shape, const DimList& dims, bool keepdim) {
  const std::vector<bool> reduce = reduced_mask(shape.size(), dims, "reduce");
  Shape out;
  for (int i = 0; i < shape.size(); ++i)
    if (!reduce[i] || keepdim) out.push_back(reduce[i] ? 1 : shape[i]);
  return out;
}

Tensor sum(const Tensor& x, const DimList& dims, bool keepdim) {
  return reduce<SumOp>(x, dims, keepdim, "sum");
}

Tensor mean(const Tensor& x, const DimList& dims, bool keepdim) {
  check(x.defined() && is_floating(x.dtype()), "mean: expected a floating tensor, got {}",
        x.dtype());
  return div(sum(x, dims, keepdim), static_cast<double>(reduced_count(x, dims)));
}

Tensor amax(const Tensor& x, const DimList& dims, bool keepdim) {
  check_nonempty(x, dims, "amax");
  return reduce<MaxOp>(x, dims, keepdim, "amax");
}

Tensor amin(const Tensor& x, const DimList& dims, bool keepdim) {
  check_nonempty(x, dims, "amin");
  return reduce<MinOp>(x, dims, keepdim, "amin");
}

Tensor var(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  const Tensor centered = sub(x, mean(x, dims, true));
  const double n = static_cast<double>(reduced_count(x, dims)) - correction;
  return div(sum(mul(centered, centered), dims, keepdim), std::max(n, 0.0));
}

Tensor std(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

// log(sum(exp(x - m))) + m with m the max; rows whose max is infinite use m = 0 (as PyTorch).
Tensor logsumexp(const Tensor& x, const DimList& dims, bool keepdim) {
  check_nonempty(x, dims, "logsumexp");
  const Tensor m = amax(x, dims, true);
  const Tensor m_finite =
      where(eq(abs(m), std::numeric_limits<double>::infinity()), Tensor::scalar(0, x.dtype()), m);
  Tensor out = add(log(sum(exp(sub(x, m_finite)), dims, true)), m_finite);
  if (keepdim) return out;
  return out.reshape(reduced_shape(x.shape(), dims, false));
}

Tensor norm(const Tensor& x, double p, const DimList& dims, bool keepdim) {
  check(x.defined() && is_floating(x.dtype()), "norm: expected a floating tensor, got {}",
        x.dtype());
  check(p > 0, "norm: p must be positive, got {}", p);
  if (std::isinf(p)) return amax(abs(x), dims, keepdim);
  if (p == 2) return sqrt(sum(mul(x, x), dims, keepdim));
  if (p == 1) return sum(abs(x), dims, keepdim);
  return pow(sum(pow(abs(x), p), dims, keepdim), 1.0 / p);
}

// ---- along one dim, with indices

namespace {

template <bool kMax>
ValuesIndices extreme_along(const Tensor& x, std::int64_t dim, bool keepdim, const char* op) {
  check(x.defined(), "{}: undefined tensor", op);
  const int d = wrap_dim(dim, x.dim(), op);
  const Tensor xt = x.dim() == 0 ? x.reshape(Shape{1}) : x.transpose(d, -1);
  const std::int64_t n = xt.size(-1);
  check(n > 0, "{}: dim {} of shape {} has size 0", op, d, x.shape());
  const std::int64_t stride = xt.stride(-1);
  Shape rows_shape = xt.shape();
  rows_shape.back() = 1;
  const Tensor rows = xt.narrow(-1, 0, 1);  // first element of each row: its offset
  Tensor values = Tensor::empty(rows_shape, x.dtype());
  Tensor indices = Tensor::empty(rows_shape, DType::i64);
  dispatch_numeric(x.dtype(), op, [&]<typename T>() {
    const detail::LoopPlan<1> plan = detail::coalesce<1>(rows.shape(), {rows.strides()});
    const T* base = xt.data<T>();
    T* v = values.data<T>();
    std::int64_t* idx = indices.data<std::int64_t>();
    parallel_for(rows.numel(), n, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        const T* p = base + offset_of(plan, r);
        T best = p[0];
        std::int64_t at = 0;
        for (std::int64_t i = 1; i < n && best == best; ++i) {
          const T cur = p[i * stride];
          if (cur != cur || (kMax ? cur > best : cur < best)) best = cur, at = i;
        }
        v[r] = best;
        idx[r] = at;
      }
    });
  });
  // rows_shape is x with dim d and the last dim swapped and the (new) last set to 1.
  auto restore = [&](const Tensor& t) {
    Tensor u = x.dim() == 0 ? t.reshape(Shape{}) : t.transpose(d, -1).contiguous();
    return keepdim || x.dim() == 0 ? u : u.squeeze(d);
  };
  return {restore(values), restore(indices)};
}

}  // namespace

ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<true>(x, dim, keepdim, "max");
}
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<false>(x, dim, keepdim, "min");
}
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<true>(x, dim, keepdim, "argmax").indices;
}
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<false>(x, dim, keepdim, "argmin").indices;
}

// Each row is scanned in order with a double accumulator for f32 (as PyTorch's CPU kernel).
Tensor cumsum(const Tensor& x, std::int64_t dim) {
  check(x.defined(), "cumsum: undefined tensor");
  if (x.dim() == 0) return x.clone();
  const int d = wrap_dim(dim, x.dim(), "cumsum");
  const Tensor xt = x.transpose(d, -1).contiguous();
  Tensor out = Tensor::empty(xt.shape(), x.dtype());
  const std::int64_t n = xt.size(-1), rows = n ? xt.numel() / n : 0;
  dispatch_numeric(x.dtype(), "cumsum", [&]<typename T>() {
    using Acc = std::conditional_t<std::is_same_v<T, float>, double, T>;
    const T* src = xt.data<T>();
    T* dst = out.data<T>();
    parallel_for(rows, n, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        Acc acc = 0;
        for (std::int64_t i = 0; i < n; ++i) dst[r * n + i] = static_cast<T>(acc += src[r * n + i]);
      }
    });
  });
  return out.transpose(d, -1).contiguous();
}

}  // namespace liandan::core
