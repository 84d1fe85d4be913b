// Internal: small dense tile products for the fused attention kernels (flash attention, the
// chunked causal linear attention), whose tiles are too small and too many for a oneDNN call
// each. C += A B with rows of B and C contiguous and A at any strides (so A may be read
// transposed). f32 on AVX-512 keeps 6 x 64 (or 4 x 64) blocks of C in registers across the
// inner dimension (functions in namespace avx512, compiled for that level and used only when
// cpu::isa() is avx512; Note [CPU dispatch]); elsewhere a portable loop, which the dispatched
// kernel bodies vectorise for each level, updates four rows of C per loaded row of B. Every
// element of C is summed over k in increasing order whatever the blocking, so results are
// deterministic.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "liandan/core/cpu.hpp"

namespace liandan::core::detail {

// C (m x n, row stride ldc) += A (m x K, element (i, k) at a[i a_rs + k a_cs]) B (K x n, row
// stride ldb): the portable loop, four rows of C per pass.
template <typename T>
inline void gemm_loop(T* c, std::int64_t ldc, const T* a, std::int64_t a_rs, std::int64_t a_cs,
                      const T* b, std::int64_t ldb, std::int64_t m, std::int64_t n,
                      std::int64_t K) {
  std::int64_t i = 0;
  for (; i + 4 <= m; i += 4) {
    T *c0 = c + i * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
    const T* ai = a + i * a_rs;
    for (std::int64_t k = 0; k < K; ++k) {
      const T a0 = ai[k * a_cs], a1 = ai[a_rs + k * a_cs], a2 = ai[2 * a_rs + k * a_cs],
              a3 = ai[3 * a_rs + k * a_cs];
      const T* bk = b + k * ldb;
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) {
        c0[j] += a0 * bk[j];
        c1[j] += a1 * bk[j];
        c2[j] += a2 * bk[j];
        c3[j] += a3 * bk[j];
      }
    }
  }
  for (; i < m; ++i) {
    T* ci = c + i * ldc;
    for (std::int64_t k = 0; k < K; ++k) {
      const T ak = a[i * a_rs + k * a_cs];
      const T* bk = b + k * ldb;
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) ci[j] += ak * bk[j];
    }
  }
}

namespace avx512 {

// The f32 register-blocked kernel: an R x 16V block of C stays in R*V zmm registers over the
// whole K loop (the portable loop reloads and stores C for every k). Each k loads V vectors of
// B and broadcasts R elements of A for R*V FMAs: 6 x 64 (24 accumulators, 29 of the 32
// registers) does 24 FMAs per 10 loads and ran at ~93% of the FMA peak on 64 x 64 x 64 tiles,
// 4 x 64 (16 per 8) at ~73% (one thread, Zen 5).
template <int R, int V, bool kOverwrite>
[[gnu::target(LIANDAN_TARGET_AVX512)]] inline void kernel_rxv(float* c, std::int64_t ldc,
                                                              const float* a, std::int64_t a_rs,
                                                              std::int64_t a_cs, const float* b,
                                                              std::int64_t ldb, std::int64_t K) {
  __m512 acc[R][V];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[r][v] = kOverwrite ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc + 16 * v);
  for (std::int64_t k = 0; k < K; ++k) {
    __m512 bk[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) bk[v] = _mm512_loadu_ps(b + k * ldb + 16 * v);
    const float* ak = a + k * a_cs;
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(ak[r * a_rs]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(x, bk[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
}

// Rows [i, i + R) of C over columns [0, n32) (n32 a multiple of 32) by the kernel above.
template <int R>
[[gnu::target(LIANDAN_TARGET_AVX512)]] inline void kernel_rows(float* c, std::int64_t ldc,
                                                               const float* a, std::int64_t a_rs,
                                                               std::int64_t a_cs, const float* b,
                                                               std::int64_t ldb, std::int64_t n32,
                                                               std::int64_t K, bool overwrite) {
  std::int64_t j = 0;
  for (; j + 64 <= n32; j += 64)
    overwrite ? kernel_rxv<R, 4, true>(c + j, ldc, a, a_rs, a_cs, b + j, ldb, K)
              : kernel_rxv<R, 4, false>(c + j, ldc, a, a_rs, a_cs, b + j, ldb, K);
  for (; j < n32; j += 32)
    overwrite ? kernel_rxv<R, 2, true>(c + j, ldc, a, a_rs, a_cs, b + j, ldb, K)
              : kernel_rxv<R, 2, false>(c + j, ldc, a, a_rs, a_cs, b + j, ldb, K);
}

// Rows [0, done) of C by the kernels above, columns [0, n / 32 * 32); returns done.
[[gnu::target(LIANDAN_TARGET_AVX512)]] inline std::int64_t gemm_blocks(
    float* c, std::int64_t ldc, const float* a, std::int64_t a_rs, std::int64_t a_cs,
    const float* b, std::int64_t ldb, std::int64_t m, std::int64_t n32, std::int64_t K,
    bool overwrite) {
  std::int64_t done = 0;
  for (; done + 6 <= m; done += 6)
    kernel_rows<6>(c + done * ldc, ldc, a + done * a_rs, a_rs, a_cs, b, ldb, n32, K, overwrite);
  for (; done + 4 <= m; done += 4)
    kernel_rows<4>(c + done * ldc, ldc, a + done * a_rs, a_rs, a_cs, b, ldb, n32, K, overwrite);
  return done;
}

}  // namespace avx512

// C += A B as above, or C = A B when overwrite; f32 blocks of 6 (then 4) rows by 64 or 32
// columns take the register-blocked kernel where available.
template <typename T>
inline void gemm_accumulate(T* c, std::int64_t ldc, const T* a, std::int64_t a_rs,
                            std::int64_t a_cs, const T* b, std::int64_t ldb, std::int64_t m,
                            std::int64_t n, std::int64_t K, bool overwrite = false) {
  auto zero = [&](std::int64_t i0, std::int64_t i1, std::int64_t j0) {
    for (std::int64_t i = i0; i < i1; ++i)
      for (std::int64_t j = j0; j < n; ++j) c[i * ldc + j] = 0;
  };
  if constexpr (std::is_same_v<T, float>) {
    if (cpu::isa() == cpu::Isa::avx512) {
      const std::int64_t n32 = n / 32 * 32;
      const std::int64_t done =
          avx512::gemm_blocks(c, ldc, a, a_rs, a_cs, b, ldb, m, n32, K, overwrite);
      if (overwrite) zero(0, done, n32), zero(done, m, 0);
      if (n32 < n) gemm_loop(c + n32, ldc, a, a_rs, a_cs, b + n32, ldb, done, n - n32, K);
      if (done < m)
        gemm_loop(c + done * ldc, ldc, a + done * a_rs, a_rs, a_cs, b, ldb, m - done, n, K);
      return;
    }
  }
  if (overwrite) zero(0, m, 0);
  gemm_loop(c, ldc, a, a_rs, a_cs, b, ldb, m, n, K);
}

}  // namespace liandan::core::detail
