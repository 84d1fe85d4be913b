// nn::Size2: a 2-D size (kernel, stride, padding, ...) given as one number for both dims or as
// a pair {h, w}, as PyTorch's _pair: Conv2d(3, 16, 3) or Conv2d(3, 16, {3, 5}).
#pragma once

#include <cstdint>

#include "liandan/core/shape.hpp"

namespace liandan::nn {

struct Size2 {
  Size2(std::int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  Size2(std::int64_t h, std::int64_t w) : h(h), w(w) {}
  core::Pair pair() const { return {h, w}; }
  friend bool operator==(const Size2&, const Size2&) = default;

  std::int64_t h, w;
};

}  // namespace liandan::nn
