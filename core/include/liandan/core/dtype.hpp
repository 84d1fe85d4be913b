// Element types. f32 is the default; f64 is for tests and gradcheck; i64 holds indices;
// b8 (bool) holds masks and comparison results.
// Note [bf16]: bf16 storage with f32 compute is planned. It becomes one more enumerator here,
// one more case in dispatch_* below, and a load/store conversion in the elementwise loops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "liandan/core/error.hpp"

namespace liandan {

enum class DType : std::uint8_t { f32, f64, i64, b8 };

constexpr std::size_t element_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
    case DType::b8: return 1;
  }
  return 0;
}

constexpr std::string_view name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
    case DType::b8: return "bool";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t == DType::f32 || t == DType::f64; }

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<bool>() { return DType::b8; }

// dispatch_floating(t, op, [&]<typename T>() { ... }): runs the lambda with T = float or double.
template <typename F>
decltype(auto) dispatch_floating(DType t, std::string_view op, F&& f) {
  switch (t) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    default: break;
  }
  throw Error(fmt::format("{}: expected a floating dtype (f32 or f64), got {}", op, name(t)));
}

// dispatch_numeric: float, double or int64.
template <typename F>
decltype(auto) dispatch_numeric(DType t, std::string_view op, F&& f) {
  switch (t) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    case DType::i64: return f.template operator()<std::int64_t>();
    default: break;
  }
  throw Error(fmt::format("{}: expected a numeric dtype (f32, f64 or i64), got {}", op, name(t)));
}

// dispatch_all: every dtype, for data movement.
template <typename F>
decltype(auto) dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    case DType::i64: return f.template operator()<std::int64_t>();
    case DType::b8: return f.template operator()<bool>();
  }
  throw Error("dispatch: corrupt dtype");
}

}  // namespace liandan

template <>
struct fmt::formatter<liandan::DType> : fmt::formatter<std::string_view> {
  auto format(liandan::DType t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(liandan::name(t), ctx);
  }
};
