// bench_fma_peak: the machine's f32 FMA throughput, the ceiling of any GEMM (ours, oneDNN's,
// MKL's). Each thread runs 12 independent chains of 512-bit (AVX-512) or 256-bit FMAs, enough
// to cover the FMA latency on every x86 core we know; the median of 7 runs is printed.
//   bench_fma_peak [--threads N]
#include <fmt/core.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
Vec splat(float x) { return _mm512_set1_ps(x); }
Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
float lane0(Vec v) { return _mm512_cvtss_f32(v); }
#else
using Vec = __m256;
constexpr int kLanes = 8;
Vec splat(float x) { return _mm256_set1_ps(x); }
Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
float lane0(Vec v) { return _mm256_cvtss_f32(v); }
#endif

constexpr int kChains = 12;
constexpr long kIterations = 20'000'000;

// FLOP/s of all threads together for one run.
double run_once(float* sink) {
  const double t0 = omp_get_wtime();
#pragma omp parallel
  {
    Vec acc[kChains];
    for (int i = 0; i < kChains; ++i) acc[i] = splat(1.0f + 1e-7f * static_cast<float>(i));
    const Vec mul = splat(0.9999999f), add = splat(1e-8f);
    for (long it = 0; it < kIterations; ++it) {
#pragma GCC unroll 12
      for (int i = 0; i < kChains; ++i) acc[i] = fma(acc[i], mul, add);
    }
    float total = 0;
    for (int i = 0; i < kChains; ++i) total += lane0(acc[i]);
    sink[omp_get_thread_num()] = total;  // keeps the chains alive
  }
  const double seconds = omp_get_wtime() - t0;
  return omp_get_max_threads() * 2.0 * kLanes * kChains * kIterations / seconds;
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
  for (int r = 0; r < 7; ++r) rates.push_back(run_once(sink.data()));
  std::sort(rates.begin(), rates.end());
  fmt::print(
      "f32 FMA peak, {} thread(s), {}-bit vectors: {:.1f} GFLOP/s (median of 7; {:.1f}-{:.1f})\n",
      omp_get_max_threads(), 32 * kLanes, rates[3] / 1e9, rates.front() / 1e9, rates.back() / 1e9);
}
