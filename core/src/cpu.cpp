// The CPU's instruction-set level and LIANDAN_ISA (Note [CPU dispatch] in cpu.hpp).
#include "liandan/core/cpu.hpp"

#include <atomic>
#include <cstdlib>
#include <optional>

#include "liandan/core/error.hpp"

namespace liandan::core::cpu {
namespace {

// __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
Isa detect() {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                    __builtin_cpu_supports("popcnt");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return avx512 ? Isa::avx512 : avx2 ? Isa::avx2 : Isa::generic;
}

std::optional<Isa> find_isa(std::string_view text) {
  for (Isa level : {Isa::generic, Isa::avx2, Isa::avx512})
    if (text == name(level)) return level;
  return std::nullopt;
}

Isa checked(Isa level, const char* source) {
  check(level <= detected_isa(), "{}: ISA level {} is not supported by this CPU (best: {})", source,
        name(level), name(detected_isa()));
  return level;
}

// The level in force: the detected one, or LIANDAN_ISA's, read on first use.
std::atomic<Isa>& current() {
  static std::atomic<Isa> level{[] {
    const char* env = std::getenv("LIANDAN_ISA");
    if (env == nullptr || *env == '\0') return detected_isa();
    const std::optional<Isa> level = find_isa(env);
    check(level.has_value(), "LIANDAN_ISA={}: not one of generic, avx2, avx512", env);
    return checked(*level, "LIANDAN_ISA");
  }()};
  return level;
}

}  // namespace

Isa detected_isa() {
  static const Isa level = detect();
  return level;
}

Isa isa() { return current().load(std::memory_order_relaxed); }

Isa set_isa(Isa level) { return current().exchange(checked(level, "set_isa")); }

std::string_view name(Isa level) {
  switch (level) {
    case Isa::generic:
      return "generic";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "unknown";
}

Isa parse_isa(std::string_view text) {
  const std::optional<Isa> level = find_isa(text);
  check(level.has_value(), "ISA level '{}' is not one of generic, avx2, avx512", text);
  return *level;
}

}  // namespace liandan::core::cpu
