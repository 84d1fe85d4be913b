// Internal: the N-ary broadcasting elementwise loop every pointwise op runs on.
//
// Note [Elementwise loop]: operands are broadcast to the output shape (stride 0 on broadcast
// dims), dims that are contiguous in every operand are merged, and the flat index range is
// split over threads. Each thread walks rows of the innermost dim. Rows where every operand
// has unit stride, or a broadcast (stride 0) scalar, run a unit-stride loop the compiler
// vectorises: broadcast operands are first spread into a small stack buffer. Other strides
// take a plain strided loop.
#pragma once

#include <array>
#include <cstdint>
#include <tuple>
#include <utility>

#include "liandan/core/tensor.hpp"
#include "liandan/core/parallel.hpp"

namespace liandan::core::detail {

// Strides of x broadcast to shape (0 on broadcast dims), right-aligned.
inline Strides broadcast_strides(const Tensor& x, const Shape& shape) {
  Strides s = Strides::filled(shape.size(), 0);
  const int off = shape.size() - x.dim();
  for (int i = 0; i < x.dim(); ++i) s[off + i] = x.size(i) == 1 ? 0 : x.stride(i);
  return s;
}

template <std::size_t N>
struct LoopPlan {
  Shape shape;                     // coalesced iteration shape
  std::array<Strides, N> strides;  // per operand, in elements
};

// Merges dim i into dim i+1 wherever that is a no-op for every operand; drops size-1 dims.
template <std::size_t N>
LoopPlan<N> coalesce(const Shape& shape, const std::array<Strides, N>& strides) {
  LoopPlan<N> plan;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const int last = plan.shape.size() - 1;
    bool mergeable = last >= 0;
    for (std::size_t k = 0; k < N && mergeable; ++k)
      mergeable = plan.strides[k][last] == strides[k][d] * shape[d];
    if (mergeable) {
      plan.shape[last] *= shape[d];
      for (std::size_t k = 0; k < N; ++k) plan.strides[k][last] = strides[k][d];
    } else {
      plan.shape.push_back(shape[d]);
      for (std::size_t k = 0; k < N; ++k) plan.strides[k].push_back(strides[k][d]);
    }
  }
  if (plan.shape.empty()) {  // a single element
    plan.shape.push_back(1);
    for (std::size_t k = 0; k < N; ++k) plan.strides[k].push_back(0);
  }
  return plan;
}

// Calls row(n, offsets, inner_strides) for every run of the innermost dim, in parallel.
// cost is a rough per-element work estimate (1 for a load/store, more for exp etc.).
template <std::size_t N, typename Row>
void for_each_row(const LoopPlan<N>& plan, std::int64_t cost, Row&& row) {
  const int nd = plan.shape.size();
  const std::int64_t inner = plan.shape[nd - 1];
  std::array<std::int64_t, N> inner_strides;
  for (std::size_t k = 0; k < N; ++k) inner_strides[k] = plan.strides[k][nd - 1];
  parallel_for(plan.shape.numel(), cost, [&](std::int64_t begin, std::int64_t end) {
    std::array<std::int64_t, kMaxDims> idx{};
    std::array<std::int64_t, N> off{};
    std::int64_t rest = begin;
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = rest % plan.shape[d];
      rest /= plan.shape[d];
      for (std::size_t k = 0; k < N; ++k) off[k] += idx[d] * plan.strides[k][d];
    }
    while (begin < end) {
      const std::int64_t take = std::min(inner - idx[nd - 1], end - begin);
      row(take, off, inner_strides);
      begin += take;
      idx[nd - 1] += take;
      for (std::size_t k = 0; k < N; ++k) off[k] += take * inner_strides[k];
      for (int d = nd - 1; d > 0 && idx[d] == plan.shape[d]; --d) {
        for (std::size_t k = 0; k < N; ++k)
          off[k] += plan.strides[k][d - 1] - idx[d] * plan.strides[k][d];
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  });
}

inline constexpr std::int64_t kBlock = 256;  // unit-stride block, with spread scalars

// out[i] = f(in0[i], in1[i], ...) over a row, see Note [Elementwise loop]. f is taken by value:
// a copy on this frame cannot alias out, so the values it captures (leaky_relu's slope, clamp's
// bounds) stay in registers and the loop vectorises; through a reference GCC reloads them
// after every store and keeps the loop scalar.
template <typename F, typename Out, typename... In, std::size_t... I>
void run_row(F f, std::int64_t n, Out* out, std::int64_t so,
             [[maybe_unused]] std::tuple<const In*...> in,
             const std::array<std::int64_t, sizeof...(In)>& s, std::index_sequence<I...>) {
  const bool unit_out = so == 1;
  const bool unit_or_scalar = unit_out && ((s[I] == 1 || s[I] == 0) && ...);
  if (unit_out && ((s[I] == 1) && ...)) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(std::get<I>(in)[i]...);
  } else if (unit_or_scalar) {
    std::tuple<std::array<In, kBlock>...> spread;
    ((s[I] == 0 ? std::get<I>(spread).fill(*std::get<I>(in)) : void()), ...);
    for (std::int64_t b = 0; b < n; b += kBlock) {
      const std::int64_t m = std::min(kBlock, n - b);
      const std::tuple<const In*...> p{
          (s[I] == 0 ? std::get<I>(spread).data() : std::get<I>(in) + b)...};
      Out* o = out + b;
#pragma omp simd
      for (std::int64_t i = 0; i < m; ++i) o[i] = f(std::get<I>(p)[i]...);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) out[i * so] = f(std::get<I>(in)[i * s[I]]...);
  }
}

// Applies f elementwise: out (already allocated, any strides, shape = broadcast shape) gets
// f(inputs...). Input element types come from the template arguments; callers dispatch dtypes.
template <typename Out, typename... In, typename F>
void elementwise(const Tensor& out, F f, const std::array<Tensor, sizeof...(In)>& inputs,
                 std::int64_t cost = 1) {
  constexpr std::size_t N = sizeof...(In) + 1;
  std::array<Strides, N> strides;
  strides[0] = broadcast_strides(out, out.shape());
  for (std::size_t k = 0; k < sizeof...(In); ++k)
    strides[k + 1] = broadcast_strides(inputs[k], out.shape());
  if (out.numel() == 0) return;
  const LoopPlan<N> plan = coalesce(out.shape(), strides);
  Out* out_base = out.template data<Out>();
  const auto in_base = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<const In*...>{inputs[I].template data<In>()...};
  }
  (std::index_sequence_for<In...>{});
  for_each_row(plan, cost,
               [&](std::int64_t n, const std::array<std::int64_t, N>& off,
                   const std::array<std::int64_t, N>& st) {
                 [&]<std::size_t... I>(std::index_sequence<I...>) {
                   run_row(f, n, out_base + off[0], st[0],
                           std::tuple<const In*...>{std::get<I>(in_base) + off[I + 1]...},
                           std::array<std::int64_t, sizeof...(In)>{st[I + 1]...},
                           std::index_sequence<I...>{});
                 }
                 (std::index_sequence_for<In...>{});
               });
}

}  // namespace liandan::core::detail
