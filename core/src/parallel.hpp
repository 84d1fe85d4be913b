// Internal: deterministic static partitioning of index ranges over OpenMP threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace liandan::core::detail {

// Below this many elements a loop runs on the calling thread: a parallel region costs more.
inline constexpr std::int64_t kParallelGrain = 32768;

// Calls body(begin, end) on contiguous sub-ranges of [0, n), one per thread, in parallel when
// work (n times cost per item, in elements) is large enough. Each index goes to exactly one
// call, so per-index results never depend on the thread count.
template <typename Body>
void parallel_for(std::int64_t n, std::int64_t cost_per_item, Body&& body) {
  if (n <= 0) return;
  const int threads = omp_get_max_threads();
  if (threads == 1 || n * cost_per_item < kParallelGrain || n == 1 || omp_in_parallel()) {
    body(std::int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::int64_t chunk = (n + nt - 1) / nt;
    const std::int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

}  // namespace liandan::core::detail
