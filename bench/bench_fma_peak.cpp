// bench_fma_peak: the machine's f32 FMA throughput, the ceiling of any GEMM (ours, oneDNN's,
// MKL's). Each thread runs 12 independent chains of 512-bit (AVX-512) or 256-bit FMAs, enough
// to cover the FMA latency on every x86 core we know, at the level cpu::isa() picks (LIANDAN_ISA
// lowers it); the median of 7 runs is printed.
//   bench_fma_peak [--threads N]
#include <fmt/core.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "liandan/core/cpu.hpp"

namespace {

// The vector operations at each width: Zmm (AVX-512), Ymm (AVX2 + FMA).
struct Zmm {
  using Vec = __m512;
  static constexpr int kLanes = 16;
  [[gnu::target("avx512f")]] static __m512 splat(float x) { return _mm512_set1_ps(x); }
  [[gnu::target("avx512f")]] static __m512 fma(__m512 a, __m512 b, __m512 c) {
    return _mm512_fmadd_ps(a, b, c);
  }
  [[gnu::target("avx512f")]] static float lane0(__m512 v) { return _mm512_cvtss_f32(v); }
};
struct Ymm {
  using Vec = __m256;
  static constexpr int kLanes = 8;
  [[gnu::target("avx2,fma")]] static __m256 splat(float x) { return _mm256_set1_ps(x); }
  [[gnu::target("avx2,fma")]] static __m256 fma(__m256 a, __m256 b, __m256 c) {
    return _mm256_fmadd_ps(a, b, c);
  }
  [[gnu::target("avx2,fma")]] static float lane0(__m256 v) { return _mm256_cvtss_f32(v); }
};

constexpr int kChains = 12;
constexpr long kIterations = 20'000'000;

// One thread's 12 chains, inlined into a function compiled for Vec's instruction set.
template <typename F>
[[gnu::always_inline]] inline float chains(float seed) {
  using Vec = typename F::Vec;
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = F::splat(seed + 1e-7f * static_cast<float>(i));
  const Vec mul = F::splat(0.9999999f), add = F::splat(1e-8f);
  for (long it = 0; it < kIterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = F::fma(acc[i], mul, add);
  }
  float total = 0;
  for (int i = 0; i < kChains; ++i) total += F::lane0(acc[i]);
  return total;
}
[[gnu::target(LIANDAN_TARGET_AVX512)]] float chains_avx512(float seed) { return chains<Zmm>(seed); }
[[gnu::target(LIANDAN_TARGET_AVX2)]] float chains_avx2(float seed) { return chains<Ymm>(seed); }

// FLOP/s of all threads together for one run, with 512-bit vectors when wide.
double run_once(float* sink, bool wide) {
  const double t0 = omp_get_wtime();
#pragma omp parallel
  sink[omp_get_thread_num()] = wide ? chains_avx512(1.0f) : chains_avx2(1.0f);
  const double seconds = omp_get_wtime() - t0;
  const int lanes = wide ? 16 : 8;
  return omp_get_max_threads() * 2.0 * lanes * kChains * kIterations / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      omp_set_num_threads(std::atoi(argv[++i]));
    } else {
      fmt::print(stderr, "usage: bench_fma_peak [--threads N]\n");
      return 2;
    }
  }
  std::vector<float> sink(omp_get_max_threads());
  std::vector<double> rates;
  using liandan::core::cpu::Isa;
  const Isa isa = liandan::core::cpu::isa();
  if (isa == Isa::generic) {
    fmt::print(stderr,
               "bench_fma_peak: needs AVX2 and FMA (this CPU, or LIANDAN_ISA, is generic)\n");
    return 2;
  }
  const bool wide = isa == Isa::avx512;
  for (int r = 0; r < 7; ++r) rates.push_back(run_once(sink.data(), wide));
  std::sort(rates.begin(), rates.end());
  fmt::print(
      "f32 FMA peak, {} thread(s), {}-bit vectors: {:.1f} GFLOP/s (median of 7; {:.1f}-{:.1f})\n",
      omp_get_max_threads(), wide ? 512 : 256, rates[3] / 1e9, rates.front() / 1e9,
      rates.back() / 1e9);
}
