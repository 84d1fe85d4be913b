// Run-time CPU dispatch: the instruction-set level our own kernels run at, and `dispatch`, which
// runs a kernel body compiled for that level.
//
// Note [CPU dispatch]: the library is compiled for the portable x86-64 baseline (SSE2), so it
// runs on any x86-64 machine and exports no -march to the programs that link it. A kernel body
// (a loop nest over raw pointers; the body of every `parallel_for`) is instantiated three
// times: as written (generic), and inside `run_avx2` / `run_avx512`, function templates that
// carry GCC's `target` attribute and `flatten`. Flatten inlines the body and everything it calls
// into the target function, where the vectoriser then uses that level's registers (ymm, zmm)
// and instructions (GCC contracts a * b + c into FMA where the level has it). The copies share
// the source; `dispatch` picks one per call with one predictable branch. Only functions
// named after a level (`run_avx512`, `avx512::`) may use its instructions: cmake/check_isa.sh
// disassembles our binaries and fails the build's tests otherwise. This is PyTorch's
// DispatchStub idea without a second compilation of each file: there, each kernel file is
// compiled once per level; here the target attribute does it per function, so no inline
// function compiled for AVX-512 can be picked by the linker for a baseline caller.
//
// The AVX-512 level keeps auto-vectorised loops at 256-bit vectors (prefer-vector-width=256,
// as GCC's tuning for Intel's AVX-512 server cores does: measured, 512-bit loops made the
// training steps of bench/bench_models 8-17% slower on an Intel Xeon, bench/RESULTS.md); the
// register-blocked tile kernels (tile_gemm.hpp) use 512-bit vectors explicitly.
//
// The level is the best this CPU and OS support (AVX-512 = F, CD, BW, DQ and VL), lowered by
// the environment variable LIANDAN_ISA=generic|avx2|avx512 (read once; naming a level this CPU
// lacks is an error) or by set_isa (tests run every level in one process). Results are
// bit-identical for the same level and thread count; FMA contraction and vector widths (the
// order of `omp simd` reductions) make different levels differ in the last bits.
#pragma once

#include <string_view>

namespace liandan::core::cpu {

enum class Isa : int { generic = 0, avx2 = 1, avx512 = 2 };

Isa isa();           // the level kernels run at now
Isa detected_isa();  // the best level this CPU supports
// Sets the level (at most detected_isa(), else an error naming both); returns the previous one.
Isa set_isa(Isa level);
std::string_view name(Isa level);
Isa parse_isa(std::string_view text);  // "generic", "avx2" or "avx512", else an error

namespace detail {

#define LIANDAN_TARGET_AVX2 "avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt"
#define LIANDAN_TARGET_AVX512 \
  "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,prefer-vector-width=256," LIANDAN_TARGET_AVX2

template <typename F, typename... Args>
[[gnu::target(LIANDAN_TARGET_AVX512), gnu::flatten]] void run_avx512(F& f, Args... args) {
  f(args...);
}
template <typename F, typename... Args>
[[gnu::target(LIANDAN_TARGET_AVX2), gnu::flatten]] void run_avx2(F& f, Args... args) {
  f(args...);
}

}  // namespace detail

// f(args...) compiled for the current level (Note [CPU dispatch]). Arguments are passed by
// value: indices and pointers.
template <typename F, typename... Args>
void dispatch(F&& f, Args... args) {
#if !defined(LIANDAN_SANITIZE)  // sanitizer builds check the logic once, in its generic copy
  switch (isa()) {
    case Isa::avx512:
      return detail::run_avx512(f, args...);
    case Isa::avx2:
      return detail::run_avx2(f, args...);
    case Isa::generic:
      break;
  }
#endif
  f(args...);
}

// RAII: runs a scope at a lower level (tests, benchmarks), restoring the previous one.
class IsaGuard {
 public:
  explicit IsaGuard(Isa level) : previous_(set_isa(level)) {}
  ~IsaGuard() { set_isa(previous_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa previous_;
};

}  // namespace liandan::core::cpu
