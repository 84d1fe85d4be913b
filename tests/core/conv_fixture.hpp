// The conv fixture (tests/fixtures/gen_conv.py) and helpers shared by core's conv and pooling
// tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

namespace liandan::test::conv {

using core::Tensor;

inline const test::Fixture& fixture() {
  static const test::Fixture f("conv");
  return f;
}

inline Tensor get(const std::string& c, const std::string& name) {
  return fixture().tensor(c + "/" + name);
}
inline std::int64_t attr(const std::string& c, const std::string& name) {
  return static_cast<std::int64_t>(fixture().attr(c, name));
}
inline core::Pair pair(const std::string& c, const std::string& name) {
  return {attr(c, name + "_h"), attr(c, name + "_w")};
}

inline core::Conv2dOptions conv_options(const std::string& c) {
  return {pair(c, "stride"), pair(c, "pad"), pair(c, "dil"), attr(c, "groups")};
}
inline core::ConvTranspose2dOptions conv_transpose_options(const std::string& c) {
  return {pair(c, "stride"), pair(c, "pad"), pair(c, "out_pad"), pair(c, "dil"), attr(c, "groups")};
}
inline core::Pool2dOptions pool_options(const std::string& c) {
  return {pair(c, "kernel"), pair(c, "stride"), pair(c, "pad"), attr(c, "count_include_pad") != 0};
}
inline Tensor bias(const std::string& c) { return attr(c, "bias") ? get(c, "b") : Tensor(); }

// Same values, non-contiguous strides (H and W swapped in memory).
inline Tensor non_contiguous(const Tensor& t) {
  Tensor nc = t.transpose(2, 3).contiguous().transpose(2, 3);
  REQUIRE_FALSE(nc.is_contiguous());
  return nc;
}

// f32 sums dozens of products in oneDNN's order, f64 in ours.
inline void expect_close(const Tensor& actual, const Tensor& expected) {
  if (expected.dtype() == DType::f32)
    test::expect_close(actual, expected, 1e-4, 1e-4);
  else
    test::expect_close(actual, expected, 1e-10, 1e-12);
}

constexpr const char* kConvCases[] = {"conv2d_basic",     "conv2d_strided", "conv2d_depthwise",
                                      "conv2d_pointwise", "conv2d_blocked", "conv2d_f64",
                                      "conv2d_f64_nobias"};
constexpr const char* kConvTransposeCases[] = {
    "conv_transpose2d_basic", "conv_transpose2d_groups", "conv_transpose2d_f64",
    "conv_transpose2d_outpad_f32", "conv_transpose2d_outpad_f64"};

}  // namespace liandan::test::conv
