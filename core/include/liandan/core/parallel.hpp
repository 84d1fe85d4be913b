// Deterministic static partitioning of index ranges over OpenMP threads, each range run by a
// kernel body compiled for the CPU's instruction-set level (Note [CPU dispatch] in cpu.hpp).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "liandan/core/cpu.hpp"

namespace liandan::core {

// Below this many elements a loop runs on the calling thread: a parallel region costs more.
inline constexpr std::int64_t kParallelGrain = 32768;

// Calls body(begin, end) on contiguous sub-ranges of [0, n), one per thread, in parallel when
// work (n times cost per item, in elements) is large enough. Each index goes to exactly one
// call, so per-index results never depend on the thread count. The body is a kernel: raw
// pointer loops (it is compiled once per ISA level), no exceptions.
template <typename Body>
void parallel_for(std::int64_t n, std::int64_t cost_per_item, Body&& body) {
  if (n <= 0) return;
  const int threads = omp_get_max_threads();
  if (threads == 1 || n * cost_per_item < kParallelGrain || n == 1 || omp_in_parallel()) {
    cpu::dispatch(body, std::int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::int64_t chunk = (n + nt - 1) / nt;
    const std::int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    if (begin < end) cpu::dispatch(body, begin, end);
  }
}

}  // namespace liandan::core
