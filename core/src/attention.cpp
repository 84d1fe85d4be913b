// Flash attention (Dao et al. 2022, FlashAttention-2 2023) on the CPU: forward and backward by
// query and key tiles with an online softmax, and the attention masks.
//
// Note [Flash attention tiles]: the forward runs one work item per (batch*head, query tile of
// kQueryTile rows). Each streams the key tiles (kKeyTile keys) through scores S = q k^T scale
// + mask, keeps the running row max m and sum l, rescales its output accumulator when m grows,
// and stores out = acc / l and lse = m + log l. The backward recomputes P = exp(S - lse) per
// tile and, with D_i = rowsum(dO_i O_i), dS = P (dO v^T - D_i). It runs two race-free loops:
// items (batch*head, key tile) own dk and dv (summing over query tiles), items (batch*head,
// query tile) own dq (summing over key tiles); each recomputes S and dO v^T, which costs two
// extra tile products but needs no atomics and no (T, S) buffer. When there are at least two
// heads per thread, one item per head runs the key-tile loop and also accumulates the head's dq
// (five products, no recomputation); both schemes sum every output element in the same order
// and give the same bits, so results do not depend on the thread count.
//
// Tile products use gemm_accumulate: C += A B with rows of B and C contiguous (k and v are packed
// transposed per key tile, Note [Key tile packing], so that the score and dO v^T products read
// rows too). f32 on AVX-512 keeps 6 x 64 blocks of C in registers across the inner dimension;
// elsewhere a portable loop updates four rows of C per loaded row of B.
#include "liandan/core/attention.hpp"

#include <omp.h>

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "liandan/core/elementwise.hpp"
#include "liandan/core/parallel.hpp"
#include "tile_gemm.hpp"
#include "vmath.hpp"

namespace liandan::core {
namespace {

using detail::gemm_accumulate;

constexpr std::int64_t kQueryTile = 64;
constexpr std::int64_t kKeyTile = 64;

// Sizes of one attention problem. Query i sees keys j <= i + offset when causal.
struct Problem {
  std::int64_t B, H, T, S, D, Dv, offset;
  bool causal;
  double scale;
  // Keys [0, key_end) that some query of [i0, i1) may see.
  std::int64_t key_end(std::int64_t i1) const {
    return causal ? std::clamp<std::int64_t>(i1 + offset, 0, S) : S;
  }
  // The first query that may see key j0.
  std::int64_t query_begin(std::int64_t j0) const {
    return causal ? std::clamp<std::int64_t>(j0 - offset, 0, T) : 0;
  }
};

// The mask expanded to (B, H, T, S): strides are 0 along broadcast dims.
template <typename T>
struct MaskView {
  const T* add = nullptr;
  const bool* keep = nullptr;
  std::int64_t sb = 0, sh = 0, st = 0, ss = 0;
};

// Note [Head layouts]: q, k, v and dout are read, and out, dq, dk, dv written, in place at any
// strides whose last dim is contiguous: the head-split view (B, T, H, D) -> (B, H, T, D) of a
// projection is used without a copy. Outputs take their input's layout (out and dq q's, dk k's,
// dv v's), so the transpose back to (B, T, H * D) is a view as well.
template <typename T>
struct HeadRows {
  // The rows of t (B, H, N, X); T is const for the tensors only read.
  explicit HeadRows(const Tensor& t)
      : base(t.data<std::remove_const_t<T>>()),
        H(t.size(1)),
        sb(t.stride(0)),
        sh(t.stride(1)),
        ld(t.stride(2)) {}
  T* base;
  std::int64_t H, sb, sh, ld;  // batch, head and row strides
  T* operator()(std::int64_t bh, std::int64_t i) const {
    return base + (bh / H) * sb + (bh % H) * sh + i * ld;
  }
};

// s (m x n, row stride kKeyTile) = scaled, masked scores of queries i0.. and keys j0.. of head
// (b, h); -inf where a key is masked. q: the first query row (row stride q_ld), already
// multiplied by the scale when q_scaled; kt: the key tile packed by pack_key_tiles.
template <typename T>
void score_tile(T* s, const T* q, std::int64_t q_ld, const T* kt, std::int64_t m, std::int64_t n,
                std::int64_t i0, std::int64_t j0, std::int64_t b, std::int64_t h, const Problem& p,
                const MaskView<T>& mask, bool q_scaled) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  gemm_accumulate(s, kKeyTile, q, q_ld, 1, kt, kKeyTile, m, n, p.D, /*overwrite=*/true);
  const T scale = static_cast<T>(p.scale);
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = s + i * kKeyTile;
    if (!q_scaled) {
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) row[j] *= scale;
    }
    const std::int64_t mask_row = b * mask.sb + h * mask.sh + (i0 + i) * mask.st + j0 * mask.ss;
    if (mask.add) {
      const T* add = mask.add + mask_row;
      for (std::int64_t j = 0; j < n; ++j) row[j] += add[j * mask.ss];
    }
    if (mask.keep) {
      const bool* keep = mask.keep + mask_row;
      for (std::int64_t j = 0; j < n; ++j) row[j] = keep[j * mask.ss] ? row[j] : kNegInf;
    }
    if (p.causal) {
      const std::int64_t visible = std::max<std::int64_t>(i0 + i + p.offset - j0 + 1, 0);
      for (std::int64_t j = visible; j < n; ++j) row[j] = kNegInf;
    }
  }
}

// Note [Key tile packing]: the score and dO v^T products read k and v transposed, tile by
// tile: (B*H, key tiles, d, kKeyTile), zero-padded. One pass per call packs every head, so each
// tile product reads rows of kKeyTile contiguous elements. (Reading a transposed copy of the
// whole head strides by S elements per row, a power of two that maps every row onto the same
// L1 sets; packing per tile inside the items repeats the work for every query tile.)
// The buffer comes from the caching allocator (a std::vector would be zero-filled and, at these
// sizes, freshly mapped on every call); only the padding of a partial last tile is zeroed.
template <typename T>
Tensor pack_key_tiles(const HeadRows<const T>& src, std::int64_t heads, std::int64_t s,
                      std::int64_t d) {
  const std::int64_t tiles = (s + kKeyTile - 1) / kKeyTile;
  Tensor packed = Tensor::empty({heads * tiles * d * kKeyTile}, dtype_of<T>());
  T* base = packed.data<T>();
  parallel_for(heads * tiles, d * kKeyTile, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t ht = begin; ht < end; ++ht) {
      const std::int64_t h = ht / tiles, j0 = (ht % tiles) * kKeyTile;
      const std::int64_t n = std::min(kKeyTile, s - j0);
      T* dst = base + ht * d * kKeyTile;
      const T* first = src(h, j0);
      for (std::int64_t c = 0; c < d; ++c) {  // contiguous writes; reads down a column
        T* out = dst + c * kKeyTile;
        for (std::int64_t j = 0; j < n; ++j) out[j] = first[j * src.ld + c];
      }
      if (n < kKeyTile)
        for (std::int64_t c = 0; c < d; ++c)
          std::fill(dst + c * kKeyTile + n, dst + (c + 1) * kKeyTile, T(0));
    }
  });
  return packed;
}

// P = exp(S - lse) in place for rows i0..; rows without any visible key (lse = -inf) give 0.
template <typename T>
void probabilities(T* s, const T* lse, std::int64_t m, std::int64_t n) {
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = s + i * kKeyTile;
    const T l = lse[i];
    if (std::isinf(l)) {
      for (std::int64_t j = 0; j < n; ++j) row[j] = 0;
      continue;
    }
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) row[j] = detail::vexp(row[j] - l);
  }
}

// t itself when its last dim is contiguous (Note [Head layouts]), else a contiguous copy.
Tensor rows_contiguous(const Tensor& t) {
  return t.size(-1) <= 1 || t.stride(-1) == 1 ? t : t.contiguous();
}

// An uninitialised (B, H, N, X) tensor in like's layout: the head-split view of a (B, N, H, X)
// buffer when like is one (its head stride is below its row stride), else contiguous.
Tensor empty_in_layout_of(const Tensor& like, std::int64_t x) {
  const std::int64_t B = like.size(0), H = like.size(1), N = like.size(2);
  if (H > 1 && N > 1 && like.stride(1) < like.stride(2))
    return Tensor::empty({B, N, H, x}, like.dtype()).transpose(1, 2);
  return Tensor::empty({B, H, N, x}, like.dtype());
}

struct Checked {
  Problem p;
  Tensor q, k, v, mask;  // q, k, v with a contiguous last dim; mask expanded to (B, H, T, S)
};

Checked check_inputs(const char* op, const Tensor& q, const Tensor& k, const Tensor& v,
                     const AttentionOptions& o) {
  check(q.defined() && k.defined() && v.defined(), "{}: undefined q, k or v", op);
  check(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
        "{}: q {}, k {}, v {}: expected 4-D (B, H, T, D), (B, H, S, D), (B, H, S, Dv)", op,
        q.shape(), k.shape(), v.shape());
  check(q.dtype() == k.dtype() && q.dtype() == v.dtype() && is_floating(q.dtype()),
        "{}: q, k, v must share one floating dtype, got {}, {}, {}", op, q.dtype(), k.dtype(),
        v.dtype());
  check(q.size(0) == k.size(0) && q.size(1) == k.size(1) && k.size(0) == v.size(0) &&
            k.size(1) == v.size(1) && k.size(2) == v.size(2) && q.size(3) == k.size(3),
        "{}: q {}, k {}, v {} do not fit (B, H, T, D), (B, H, S, D), (B, H, S, Dv)", op, q.shape(),
        k.shape(), v.shape());
  Checked c;
  c.p = Problem{q.size(0),
                q.size(1),
                q.size(2),
                k.size(2),
                q.size(3),
                v.size(3),
                k.size(2) - q.size(2),
                o.causal,
                attention_scale(o, q.size(3))};
  c.q = rows_contiguous(q), c.k = rows_contiguous(k), c.v = rows_contiguous(v);
  if (o.mask.defined()) {
    const Shape full{c.p.B, c.p.H, c.p.T, c.p.S};
    check(o.mask.dtype() == DType::b8 || o.mask.dtype() == q.dtype(),
          "{}: mask must be bool or {} like q, got {}", op, q.dtype(), o.mask.dtype());
    bool fits = o.mask.dim() <= 4;
    for (int i = 1; fits && i <= o.mask.dim(); ++i)
      fits = o.mask.size(-i) == 1 || o.mask.size(-i) == full[4 - i];
    check(fits, "{}: mask {} does not broadcast to (B, H, T, S) = {}", op, o.mask.shape(), full);
    c.mask = o.mask.expand(full);
  }
  return c;
}

template <typename T>
MaskView<T> mask_view(const Tensor& mask) {
  MaskView<T> m;
  if (!mask.defined()) return m;
  if (mask.dtype() == DType::b8) {
    m.keep = mask.data<bool>();
  } else {
    m.add = mask.data<T>();
  }
  m.sb = mask.stride(0), m.sh = mask.stride(1), m.st = mask.stride(2), m.ss = mask.stride(3);
  return m;
}

// Runs body(item, scratch) for items [0, n) round-robin over the threads (causal items differ in
// cost), compiled for the CPU's level (Note [CPU dispatch]); scratch is one thread's buffer of
// scratch_size elements.
template <typename T, typename Body>
void for_items(std::int64_t n, std::int64_t work, std::size_t scratch_size, Body&& body) {
  const bool parallel = n > 1 && work >= 32768 && omp_get_max_threads() > 1 && !omp_in_parallel();
#pragma omp parallel if (parallel)
  {
    std::vector<T> scratch(scratch_size);
#pragma omp for schedule(static, 1)
    for (std::int64_t item = 0; item < n; ++item) cpu::dispatch(body, item, scratch.data());
  }
}

template <typename T>
void forward_kernel(const Checked& c, Tensor& out, Tensor& lse) {
  const Problem& p = c.p;
  const MaskView<T> mask = mask_view<T>(c.mask);
  const HeadRows<const T> Q(c.q), K(c.k), V(c.v);
  const HeadRows<T> O(out);
  T* L = lse.data<T>();
  const std::int64_t q_tiles = (p.T + kQueryTile - 1) / kQueryTile;
  const std::int64_t k_tiles = (p.S + kKeyTile - 1) / kKeyTile;
  const Tensor kt_packed = pack_key_tiles(K, p.B * p.H, p.S, p.D);
  const T* kt = kt_packed.data<T>();
  const std::size_t scratch = kQueryTile * kKeyTile + kQueryTile * (p.D + p.Dv + 2);
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  for_items<T>(
      p.B * p.H * q_tiles, p.T * p.S * (p.D + p.Dv), scratch, [&](std::int64_t item, T* buf) {
        const std::int64_t bh = item / q_tiles, i0 = (item % q_tiles) * kQueryTile;
        const std::int64_t m = std::min(kQueryTile, p.T - i0), b = bh / p.H, h = bh % p.H;
        T *s = buf, *q = s + kQueryTile * kKeyTile, *acc = q + kQueryTile * p.D,
          *row_max = acc + kQueryTile * p.Dv, *row_sum = row_max + kQueryTile;
        for (std::int64_t i = 0; i < m * p.Dv; ++i) acc[i] = 0;
        for (std::int64_t i = 0; i < m; ++i) row_max[i] = kNegInf, row_sum[i] = 0;
        const T scale = static_cast<T>(p.scale);
        for (std::int64_t i = 0; i < m; ++i) {
          const T* q_row = Q(bh, i0 + i);
#pragma omp simd
          for (std::int64_t d = 0; d < p.D; ++d) q[i * p.D + d] = q_row[d] * scale;
        }
        const std::int64_t key_end = p.key_end(i0 + m);
        for (std::int64_t j0 = 0; j0 < key_end; j0 += kKeyTile) {
          const std::int64_t n = std::min(kKeyTile, key_end - j0);
          const T* k_tile = kt + (bh * k_tiles + j0 / kKeyTile) * p.D * kKeyTile;
          score_tile(s, q, p.D, k_tile, m, n, i0, j0, b, h, p, mask, /*q_scaled=*/true);
          for (std::int64_t i = 0; i < m; ++i) {
            T* row = s + i * kKeyTile;
            T mx = row_max[i];
#pragma omp simd reduction(max : mx)
            for (std::int64_t j = 0; j < n; ++j) mx = std::max(mx, row[j]);
            if (mx == kNegInf) {  // nothing visible yet: P = 0
              for (std::int64_t j = 0; j < n; ++j) row[j] = 0;
              continue;
            }
            T sum = 0;
#pragma omp simd reduction(+ : sum)
            for (std::int64_t j = 0; j < n; ++j) {
              row[j] = detail::vexp(row[j] - mx);
              sum += row[j];
            }
            if (mx != row_max[i]) {
              const T alpha = detail::vexp(row_max[i] - mx);  // 0 when the old max was -inf
              T* a = acc + i * p.Dv;
#pragma omp simd
              for (std::int64_t d = 0; d < p.Dv; ++d) a[d] *= alpha;
              row_sum[i] *= alpha;
              row_max[i] = mx;
            }
            row_sum[i] += sum;
          }
          gemm_accumulate(acc, p.Dv, s, kKeyTile, 1, V(bh, j0), V.ld, m, p.Dv, n);
        }
        for (std::int64_t i = 0; i < m; ++i) {
          const bool empty = row_sum[i] == 0;
          const T inv = empty ? T(0) : T(1) / row_sum[i];
          T* o = O(bh, i0 + i);
          const T* a = acc + i * p.Dv;
#pragma omp simd
          for (std::int64_t d = 0; d < p.Dv; ++d) o[d] = a[d] * inv;
          L[bh * p.T + i0 + i] = empty ? kNegInf : row_max[i] + std::log(row_sum[i]);
        }
      });
}

template <typename T>
void backward_kernel(const Checked& c, const Tensor& dout, const Tensor& out, const Tensor& lse,
                     AttentionGrads& g) {
  const Problem& p = c.p;
  const MaskView<T> mask = mask_view<T>(c.mask);
  const HeadRows<const T> Q(c.q), K(c.k), V(c.v), dO(dout), O(out);
  const T* L = lse.data<T>();
  const HeadRows<T> dQ(g.dq), dK(g.dk), dV(g.dv);
  const T scale = static_cast<T>(p.scale);

  // D_i = rowsum(dO_i O_i) (B, H, T)
  std::vector<T> row_dot(p.B * p.H * p.T);
  parallel_for(p.B * p.H * p.T, p.Dv, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const T *dor = dO(r / p.T, r % p.T), *orow = O(r / p.T, r % p.T);
      T acc = 0;
#pragma omp simd reduction(+ : acc)
      for (std::int64_t d = 0; d < p.Dv; ++d) acc += dor[d] * orow[d];
      row_dot[r] = acc;
    }
  });

  // P in s and dS = P (dO v^T - D) scale in dp, for the key tile packed in kt and vt.
  auto tile_grads = [&](T* s, T* dp, const T* kt, const T* vt, std::int64_t bh, std::int64_t i0,
                        std::int64_t j0, std::int64_t m, std::int64_t n) {
    score_tile(s, Q(bh, i0), Q.ld, kt, m, n, i0, j0, bh / p.H, bh % p.H, p, mask,
               /*q_scaled=*/false);
    probabilities(s, L + bh * p.T + i0, m, n);
    gemm_accumulate(dp, kKeyTile, dO(bh, i0), dO.ld, 1, vt, kKeyTile, m, n, p.Dv,
                    /*overwrite=*/true);
    for (std::int64_t i = 0; i < m; ++i) {
      const T di = row_dot[bh * p.T + i0 + i];
      const T* pr = s + i * kKeyTile;
      T* dr = dp + i * kKeyTile;
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) dr[j] = pr[j] * (dr[j] - di) * scale;
    }
  };
  const std::size_t scratch = 2 * kQueryTile * kKeyTile;  // s and dp
  const std::int64_t k_tiles = (p.S + kKeyTile - 1) / kKeyTile;
  const Tensor kt_all = pack_key_tiles(K, p.B * p.H, p.S, p.D);
  const Tensor vt_all = pack_key_tiles(V, p.B * p.H, p.S, p.Dv);
  auto k_tile = [&](std::int64_t bh, std::int64_t j0) {
    return kt_all.data<T>() + (bh * k_tiles + j0 / kKeyTile) * p.D * kKeyTile;
  };
  auto v_tile = [&](std::int64_t bh, std::int64_t j0) {
    return vt_all.data<T>() + (bh * k_tiles + j0 / kKeyTile) * p.Dv * kKeyTile;
  };

  // Zeroes rows [i0, i0 + m) of one head of a gradient.
  auto zero_rows = [](const HeadRows<T>& g, std::int64_t bh, std::int64_t i0, std::int64_t m,
                      std::int64_t width) {
    for (std::int64_t i = i0; i < i0 + m; ++i) std::fill(g(bh, i), g(bh, i) + width, T(0));
  };

  // dk and dv of key tile j0, summed over the query tiles that see it; with_dq also accumulates
  // the head's dq over those query tiles.
  auto key_tile_grads = [&](T* buf, std::int64_t bh, std::int64_t j0, bool with_dq) {
    const std::int64_t n = std::min(kKeyTile, p.S - j0);
    T *s = buf, *dp = buf + kQueryTile * kKeyTile;
    const T *kt = k_tile(bh, j0), *vt = v_tile(bh, j0);
    T *dk = dK(bh, j0), *dv = dV(bh, j0);
    zero_rows(dK, bh, j0, n, p.D);
    zero_rows(dV, bh, j0, n, p.Dv);
    // Query tiles start at multiples of kQueryTile, as in the dq loop below, so both schemes
    // give the same bits.
    for (std::int64_t i0 = p.query_begin(j0) / kQueryTile * kQueryTile; i0 < p.T;
         i0 += kQueryTile) {
      const std::int64_t m = std::min(kQueryTile, p.T - i0);
      tile_grads(s, dp, kt, vt, bh, i0, j0, m, n);
      // dv += P^T dO, dk += dS^T q: P^T and dS^T read the tiles column-wise.
      gemm_accumulate(dv, dV.ld, s, 1, kKeyTile, dO(bh, i0), dO.ld, n, p.Dv, m);
      gemm_accumulate(dk, dK.ld, dp, 1, kKeyTile, Q(bh, i0), Q.ld, n, p.D, m);
      if (with_dq) gemm_accumulate(dQ(bh, i0), dQ.ld, dp, kKeyTile, 1, K(bh, j0), K.ld, m, p.D, n);
    }
  };

  // Enough heads for the threads: one item per head owns its dq, dk and dv (five tile
  // products). Otherwise two loops (seven): see Note [Flash attention tiles].
  if (p.B * p.H >= 2 * omp_get_max_threads()) {
    for_items<T>(p.B * p.H, p.T * p.S * (p.D + p.Dv), scratch, [&](std::int64_t bh, T* buf) {
      zero_rows(dQ, bh, 0, p.T, p.D);
      for (std::int64_t j0 = 0; j0 < p.S; j0 += kKeyTile) key_tile_grads(buf, bh, j0, true);
    });
    return;
  }

  // dk, dv: one item per (batch*head, key tile).
  for_items<T>(p.B * p.H * k_tiles, p.T * p.S * (p.D + p.Dv), scratch,
               [&](std::int64_t item, T* buf) {
                 key_tile_grads(buf, item / k_tiles, (item % k_tiles) * kKeyTile, false);
               });

  // dq: one item per (batch*head, query tile).
  const std::int64_t q_tiles = (p.T + kQueryTile - 1) / kQueryTile;
  for_items<T>(p.B * p.H * q_tiles, p.T * p.S * (p.D + p.Dv), scratch,
               [&](std::int64_t item, T* buf) {
                 const std::int64_t bh = item / q_tiles, i0 = (item % q_tiles) * kQueryTile;
                 const std::int64_t m = std::min(kQueryTile, p.T - i0);
                 T *s = buf, *dp = buf + kQueryTile * kKeyTile;
                 T* dq = dQ(bh, i0);
                 zero_rows(dQ, bh, i0, m, p.D);
                 const std::int64_t key_end = p.key_end(i0 + m);
                 for (std::int64_t j0 = 0; j0 < key_end; j0 += kKeyTile) {
                   const std::int64_t n = std::min(kKeyTile, key_end - j0);
                   tile_grads(s, dp, k_tile(bh, j0), v_tile(bh, j0), bh, i0, j0, m, n);
                   gemm_accumulate(dq, dQ.ld, dp, kKeyTile, 1, K(bh, j0), K.ld, m, p.D, n);
                 }
               });
}

}  // namespace

double attention_scale(const AttentionOptions& options, std::int64_t d) {
  return options.scale.value_or(1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(d, 1))));
}

AttentionResult flash_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                const AttentionOptions& options) {
  const Checked c = check_inputs("flash_attention", q, k, v, options);
  const Problem& p = c.p;
  AttentionResult r{empty_in_layout_of(c.q, p.Dv), Tensor::empty({p.B, p.H, p.T}, q.dtype())};
  dispatch_floating(q.dtype(), "flash_attention",
                    [&]<typename T>() { forward_kernel<T>(c, r.out, r.lse); });
  return r;
}

AttentionGrads flash_attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k,
                                        const Tensor& v, const Tensor& out, const Tensor& lse,
                                        const AttentionOptions& options) {
  const Checked c = check_inputs("flash_attention_backward", q, k, v, options);
  const Problem& p = c.p;
  const Shape out_shape{p.B, p.H, p.T, p.Dv};
  check(dout.defined() && dout.shape() == out_shape && out.shape() == out_shape &&
            lse.shape() == Shape{p.B, p.H, p.T},
        "flash_attention_backward: dout {}, out {}, lse {} do not fit (B, H, T, Dv) = {}",
        dout.shape(), out.shape(), lse.shape(), out_shape);
  check(dout.dtype() == q.dtype() && out.dtype() == q.dtype() && lse.dtype() == q.dtype(),
        "flash_attention_backward: dout, out and lse must be {} like q", q.dtype());
  AttentionGrads g{empty_in_layout_of(c.q, p.D), empty_in_layout_of(c.k, p.D),
                   empty_in_layout_of(c.v, p.Dv)};
  const Tensor dout_c = rows_contiguous(dout), out_c = rows_contiguous(out),
               lse_c = lse.contiguous();
  dispatch_floating(q.dtype(), "flash_attention_backward",
                    [&]<typename T>() { backward_kernel<T>(c, dout_c, out_c, lse_c, g); });
  return g;
}

// ---- masks

Tensor causal_mask(std::int64_t t, std::int64_t s) {
  check(t >= 0 && s >= 0, "causal_mask: sizes {} x {} must be non-negative", t, s);
  Tensor m = Tensor::empty({t, s}, DType::b8);
  bool* p = m.data<bool>();
  for (std::int64_t i = 0; i < t; ++i)
    for (std::int64_t j = 0; j < s; ++j) p[i * s + j] = j <= i + (s - t);
  return m;
}

Tensor key_padding_mask(const Tensor& lengths, std::int64_t s) {
  check(lengths.defined() && lengths.dim() == 1 && lengths.dtype() == DType::i64,
        "key_padding_mask: lengths must be a 1-D i64 tensor (B), got {}", lengths.shape());
  const std::vector<std::int64_t> len = lengths.to_vector<std::int64_t>();
  const std::int64_t B = static_cast<std::int64_t>(len.size());
  Tensor m = Tensor::empty({B, 1, 1, s}, DType::b8);
  bool* p = m.data<bool>();
  for (std::int64_t b = 0; b < B; ++b) {
    check(len[b] >= 0 && len[b] <= s, "key_padding_mask: length {} of batch {} outside [0, {}]",
          len[b], b, s);
    for (std::int64_t j = 0; j < s; ++j) p[b * s + j] = j < len[b];
  }
  return m;
}

Tensor seq2seq_mask(const Tensor& source_lengths, std::int64_t t) {
  check(
      source_lengths.defined() && source_lengths.dim() == 1 && source_lengths.dtype() == DType::i64,
      "seq2seq_mask: source_lengths must be a 1-D i64 tensor (B), got {}", source_lengths.shape());
  const std::vector<std::int64_t> len = source_lengths.to_vector<std::int64_t>();
  const std::int64_t B = static_cast<std::int64_t>(len.size());
  Tensor m = Tensor::empty({B, 1, t, t}, DType::b8);
  bool* p = m.data<bool>();
  for (std::int64_t b = 0; b < B; ++b) {
    check(len[b] >= 0 && len[b] <= t, "seq2seq_mask: source length {} of batch {} outside [0, {}]",
          len[b], b, t);
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = 0; j < t; ++j) p[(b * t + i) * t + j] = j < len[b] || j <= i;
  }
  return m;
}

}  // namespace liandan::core
