// causal_dot_product and its backward: chunked sweeps with a running state, one sequence
// (a (batch, head) pair) per task. Sequences are independent and each is summed in a fixed
// order, so the results do not depend on the thread count.
//
// Note [Chunked causal sweep]: sweep(a, b, c) computes out_i = sum_{j in mask(i)} (a_i . b_j) c_j
// for mask(i) = {j <= i} (or {j >= i} reversed). Rows are cut into chunks of C; chunks are
// visited in mask order, carrying S = sum of b_j c_j^T over the chunks already visited
// (Da x Mc). Per chunk (A, B, Cc its rows of a, b, c), four tile products (tile_gemm.hpp):
//   P = A B^T (C x C), masked to the chunk's part of mask(i);   out = P Cc + A S;   S += B^T Cc
// where row block [i, i + 4) of P Cc sums only over the columns up to its last unmasked one.
// Cost per chunk about C*C*(Da + Mc/2) + 2*C*Da*Mc; memory C*Da for the chunk of b transposed,
// C*C for P and Da*Mc for S. The forward is one sweep (a, b, c) = (q, k, v); the backward is
// three sweeps (see the header), so it never stores the T prefix states S_i either.
#include "liandan/core/linear_attention.hpp"

#include <algorithm>

#include "liandan/core/parallel.hpp"
#include "tile_gemm.hpp"

namespace liandan::core {
namespace {

template <typename T>
struct SweepScratch {
  T* b_t;    // (Da, C): the current chunk of b, transposed
  T* p;      // (C, C): the masked block P of the current chunk
  T* state;  // (Da, Mc)
};

// Note [Chunked causal sweep]. a, b (len, Da), c (len, Mc), out (len, Mc), all contiguous.
template <typename T>
void sweep(const T* __restrict a, const T* __restrict b, const T* __restrict c, T* __restrict out,
           std::int64_t len, std::int64_t Da, std::int64_t Mc, std::int64_t chunk, bool reverse,
           const SweepScratch<T>& s) {
  using detail::gemm_accumulate;
  T* __restrict b_t = s.b_t;
  T* __restrict p = s.p;
  T* __restrict state = s.state;
  std::fill(state, state + Da * Mc, T(0));
  const std::int64_t chunks = (len + chunk - 1) / chunk;
  for (std::int64_t step = 0; step < chunks; ++step) {
    const std::int64_t t0 = (reverse ? chunks - 1 - step : step) * chunk;
    const std::int64_t L = std::min(chunk, len - t0);
    const T* ac = a + t0 * Da;
    const T* bc = b + t0 * Da;
    const T* cc = c + t0 * Mc;
    T* oc = out + t0 * Mc;
    for (std::int64_t j = 0; j < L; ++j)
      for (std::int64_t d = 0; d < Da; ++d) b_t[d * L + j] = bc[j * Da + d];
    // P = A B^T, then the entries outside the mask zeroed.
    gemm_accumulate(p, L, ac, Da, 1, b_t, L, L, L, Da, /*overwrite=*/true);
    for (std::int64_t i = 0; i < L; ++i) {
      T* row = p + i * L;
      if (reverse)
        std::fill(row, row + i, T(0));
      else
        std::fill(row + i + 1, row + L, T(0));
    }
    // out = P Cc, by blocks of four rows: forward, rows [i, i + 4) see columns [0, i + 4);
    // reversed, columns [i, L).
    for (std::int64_t i = 0; i < L; i += 4) {
      const std::int64_t rows = std::min<std::int64_t>(4, L - i);
      const std::int64_t j0 = reverse ? i : 0, j1 = reverse ? L : i + rows;
      gemm_accumulate(oc + i * Mc, Mc, p + i * L + j0, L, 1, cc + j0 * Mc, Mc, rows, Mc, j1 - j0,
                      /*overwrite=*/true);
    }
    // out += A S (the chunks before), then the chunk joins the state: S += B^T Cc.
    gemm_accumulate(oc, Mc, ac, Da, 1, state, Mc, L, Mc, Da);
    gemm_accumulate(state, Mc, b_t, L, 1, cc, Mc, Da, Mc, L);
  }
}

struct Sizes {
  std::int64_t sequences, len, d, m;
};

Sizes check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t chunk,
                   const char* op) {
  check(q.defined() && k.defined() && v.defined(), "{}: undefined tensor", op);
  check(q.dim() >= 2, "{}: q {} needs at least 2 dims (..., T, D)", op, q.shape());
  check(q.shape() == k.shape(), "{}: q {} and k {} must have the same shape", op, q.shape(),
        k.shape());
  bool same_lead = v.dim() == q.dim();
  for (int i = 0; same_lead && i < q.dim() - 1; ++i) same_lead = q.size(i) == v.size(i);
  check(same_lead, "{}: q {} (..., T, D) and v {} (..., T, M) differ before the last dim", op,
        q.shape(), v.shape());
  check(q.dtype() == k.dtype() && q.dtype() == v.dtype(), "{}: dtypes differ: q {}, k {}, v {}", op,
        q.dtype(), k.dtype(), v.dtype());
  check(is_floating(q.dtype()), "{}: expected f32 or f64, got {}", op, q.dtype());
  check(chunk >= 1, "{}: chunk must be at least 1, got {}", op, chunk);
  const std::int64_t len = q.size(-2), d = q.size(-1), m = v.size(-1);
  return {len ? q.numel() / std::max<std::int64_t>(1, len * d) : 0, len, d, m};
}

// Per-thread scratch for sweeps with Da, Mc <= width: taken from the caching allocator, so that
// allocator_stats() accounts for it.
template <typename T>
struct ThreadScratch {
  Tensor buffer;
  SweepScratch<T> view;
  ThreadScratch(std::int64_t chunk, std::int64_t width_a, std::int64_t state_size)
      : buffer(Tensor::empty({chunk * width_a + chunk * chunk + state_size}, dtype_of<T>())) {
    T* p = buffer.data<T>();
    view = {p, p + chunk * width_a, p + chunk * width_a + chunk * chunk};
  }
};

}  // namespace

Tensor causal_dot_product(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                          const CausalDotProductOptions& options) {
  const Sizes n = check_inputs(q_in, k_in, v_in, options.chunk, "causal_dot_product");
  const Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  Tensor out = Tensor::empty(v.shape(), v.dtype());
  if (out.numel() == 0) return out;
  if (n.d == 0) return Tensor::zeros(v.shape(), v.dtype());
  const std::int64_t chunk = std::min(options.chunk, n.len);
  dispatch_floating(q.dtype(), "causal_dot_product", [&]<typename T>() {
    const T *qp = q.data<T>(), *kp = k.data<T>(), *vp = v.data<T>();
    T* op = out.data<T>();
    const std::int64_t cost = n.len * (chunk + n.m) * n.d;
    parallel_for(n.sequences, cost, [&](std::int64_t begin, std::int64_t end) {
      const ThreadScratch<T> s(chunk, n.d, n.d * n.m);
      for (std::int64_t r = begin; r < end; ++r)
        sweep(qp + r * n.len * n.d, kp + r * n.len * n.d, vp + r * n.len * n.m,
              op + r * n.len * n.m, n.len, n.d, n.m, chunk, options.reverse, s.view);
    });
  });
  return out;
}

CausalDotProductGrads causal_dot_product_backward(const Tensor& q_in, const Tensor& k_in,
                                                  const Tensor& v_in, const Tensor& g_in,
                                                  const CausalDotProductOptions& options,
                                                  bool need_q, bool need_k, bool need_v) {
  const char* op = "causal_dot_product backward";
  const Sizes n = check_inputs(q_in, k_in, v_in, options.chunk, op);
  check(g_in.defined() && g_in.shape() == v_in.shape() && g_in.dtype() == v_in.dtype(),
        "{}: grad_out {} must match v {} {}", op, g_in.defined() ? g_in.shape() : Shape{},
        v_in.shape(), v_in.dtype());
  const Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  const Tensor g = g_in.contiguous();
  CausalDotProductGrads grads;
  const bool empty = v.numel() == 0 || n.d == 0;  // every gradient is zero (or empty)
  auto make = [&](bool need, const Tensor& like) {
    return !need   ? Tensor()
           : empty ? Tensor::zeros(like.shape(), like.dtype())
                   : Tensor::empty(like.shape(), like.dtype());
  };
  grads.q = make(need_q, q), grads.k = make(need_k, k), grads.v = make(need_v, v);
  if (empty) return grads;
  const std::int64_t chunk = std::min(options.chunk, n.len);
  const bool dq_reverse = options.reverse, dkv_reverse = !options.reverse;
  dispatch_floating(q.dtype(), op, [&]<typename T>() {
    const T *qp = q.data<T>(), *kp = k.data<T>(), *vp = v.data<T>(), *gp = g.data<T>();
    T* dq = need_q ? grads.q.template data<T>() : nullptr;
    T* dk = need_k ? grads.k.template data<T>() : nullptr;
    T* dv = need_v ? grads.v.template data<T>() : nullptr;
    const std::int64_t cost = 3 * n.len * (chunk + n.m) * n.d;
    parallel_for(n.sequences, cost, [&](std::int64_t begin, std::int64_t end) {
      const ThreadScratch<T> s(chunk, std::max(n.d, n.m), n.d * n.m);
      for (std::int64_t r = begin; r < end; ++r) {
        const T *qr = qp + r * n.len * n.d, *kr = kp + r * n.len * n.d;
        const T *vr = vp + r * n.len * n.m, *gr = gp + r * n.len * n.m;
        if (dq) sweep(gr, vr, kr, dq + r * n.len * n.d, n.len, n.m, n.d, chunk, dq_reverse, s.view);
        if (dk)
          sweep(vr, gr, qr, dk + r * n.len * n.d, n.len, n.m, n.d, chunk, dkv_reverse, s.view);
        if (dv)
          sweep(kr, qr, gr, dv + r * n.len * n.m, n.len, n.d, n.m, chunk, dkv_reverse, s.view);
      }
    });
  });
  return grads;
}

}  // namespace liandan::core
