// Helpers for extra_repr(): numbers and tuples printed as PyTorch's print(model) shows them.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>
#include <string>

#include "liandan/core/shape.hpp"
#include "liandan/nn/size2.hpp"

namespace liandan::nn::repr {

// Python's repr of a float: 1.0, 0.1, 1e-05, inf.
inline std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

inline std::string py_float(std::optional<double> v) { return v ? py_float(*v) : "None"; }

// A Python tuple: (8,) or (2, 3).
inline std::string tuple(const Shape& s) {
  if (s.size() == 1) return fmt::format("({},)", s[0]);
  return fmt::format("({})", fmt::join(s.begin(), s.end(), ", "));
}

inline std::string tuple(const Size2& s) { return fmt::format("({}, {})", s.h, s.w); }

// An int when both dims agree, else a tuple (pooling prints what the user passed).
inline std::string int_or_tuple(const Size2& s) {
  return s.h == s.w ? fmt::format("{}", s.h) : tuple(s);
}

}  // namespace liandan::nn::repr
