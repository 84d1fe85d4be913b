// core/conv: conv2d and its backward kernels and conv_transpose2d against PyTorch
// (tests/fixtures/gen_conv.py), non-contiguous inputs and error messages. f32 runs through
// oneDNN, f64 through direct loops.
#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "conv_fixture.hpp"

using namespace liandan;
using namespace liandan::test::conv;
using core::Tensor;

TEST_CASE("conv2d: stride, padding, dilation, groups, bias vs PyTorch (f32, f64)") {
  for (const std::string c : kConvCases) {
    CAPTURE(c);
    expect_close(core::conv2d(get(c, "x"), get(c, "w"), bias(c), conv_options(c)), get(c, "y"));
  }
}

TEST_CASE("conv2d_backward_input: vs PyTorch autograd (f32, f64)") {
  for (const std::string c : kConvCases) {
    CAPTURE(c);
    const Tensor gx = core::conv2d_backward_input(get(c, "gy"), get(c, "w"), get(c, "x").shape(),
                                                  conv_options(c));
    expect_close(gx, get(c, "gx"));
  }
}

TEST_CASE("conv2d_backward_weight: vs PyTorch autograd (f32, f64)") {
  for (const std::string c : kConvCases) {
    CAPTURE(c);
    const Tensor gw = core::conv2d_backward_weight(get(c, "gy"), get(c, "x"), get(c, "w").shape(),
                                                   conv_options(c));
    expect_close(gw, get(c, "gw"));
  }
}

TEST_CASE("conv2d, conv2d_backward_input, conv2d_backward_weight: non-contiguous operands") {
  for (const std::string c : {"conv2d_strided", "conv2d_f64"}) {
    CAPTURE(c);
    const Tensor x = non_contiguous(get(c, "x")), w = non_contiguous(get(c, "w"));
    const Tensor gy = non_contiguous(get(c, "gy"));
    expect_close(core::conv2d(x, w, bias(c), conv_options(c)), get(c, "y"));
    expect_close(core::conv2d_backward_input(gy, w, x.shape(), conv_options(c)), get(c, "gx"));
    expect_close(core::conv2d_backward_weight(gy, x, w.shape(), conv_options(c)), get(c, "gw"));
  }
}

TEST_CASE("conv2d: cached primitives give the same result on every call") {
  const std::string c = "conv2d_blocked";
  const Tensor y1 = core::conv2d(get(c, "x"), get(c, "w"), bias(c), conv_options(c));
  const Tensor y2 = core::conv2d(get(c, "x"), get(c, "w"), bias(c), conv_options(c));
  test::expect_close(y1, y2, 0, 0);
}

TEST_CASE("conv2d, conv2d_backward_input, conv2d_backward_weight: empty batch and channels") {
  for (const DType t : {DType::f32, DType::f64}) {
    CAPTURE(t);
    const Tensor w = Tensor::ones({4, 3, 3, 3}, t);
    const Tensor y = core::conv2d(Tensor::zeros({0, 3, 5, 5}, t), w, Tensor(), {});
    CHECK(y.shape() == Shape{0, 4, 3, 3});
    const Tensor gw =
        core::conv2d_backward_weight(y, Tensor::zeros({0, 3, 5, 5}, t), w.shape(), {});
    CHECK(gw.to_vector<double>() == std::vector<double>(4 * 3 * 3 * 3, 0.0));
    // No input channels: only the bias is left.
    const Tensor y0 = core::conv2d(Tensor::zeros({1, 0, 3, 3}, t), Tensor::zeros({2, 0, 3, 3}, t),
                                   Tensor::full({2}, 1.5, t), {.padding = {1, 1}});
    CHECK(y0.to_vector<double>() == std::vector<double>(2 * 3 * 3, 1.5));
    const Tensor gx =
        core::conv2d_backward_input(Tensor::zeros({1, 2, 3, 3}, t), Tensor::zeros({2, 0, 3, 3}, t),
                                    Shape{1, 0, 3, 3}, {.padding = {1, 1}});
    CHECK(gx.shape() == Shape{1, 0, 3, 3});
  }
}

// Larger than the fixtures: oneDNN's threaded, blocked kernels (f32) against our loops (f64).
TEST_CASE("conv2d, conv2d_backward_input, conv2d_backward_weight: f32 (oneDNN) agrees with f64") {
  const core::Conv2dOptions o{.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}, .groups = 2};
  const auto wave = [](const Shape& s, double f) {  // sin(f i) over the flat index i
    std::vector<double> v(s.numel());
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(f * static_cast<double>(i));
    return Tensor::from(std::span<const double>(v), s);
  };
  const Tensor x = wave({4, 32, 17, 15}, 0.37), w = wave({64, 16, 3, 3}, 0.11);
  const Tensor b = wave({64}, 0.5);
  const Tensor y = core::conv2d(x, w, b, o), gy = wave(y.shape(), 0.23);
  test::expect_close(core::conv2d(x.to(DType::f32), w.to(DType::f32), b.to(DType::f32), o),
                     y.to(DType::f32), 1e-4, 1e-4);
  test::expect_close(core::conv2d_backward_input(gy.to(DType::f32), w.to(DType::f32), x.shape(), o),
                     core::conv2d_backward_input(gy, w, x.shape(), o).to(DType::f32), 1e-4, 1e-4);
  test::expect_close(
      core::conv2d_backward_weight(gy.to(DType::f32), x.to(DType::f32), w.shape(), o),
      core::conv2d_backward_weight(gy, x, w.shape(), o).to(DType::f32), 1e-4, 1e-3);
}

TEST_CASE("conv_transpose2d: stride, padding, output_padding, dilation, groups vs PyTorch") {
  for (const std::string c : kConvTransposeCases) {
    CAPTURE(c);
    expect_close(
        core::conv_transpose2d(get(c, "x"), get(c, "w"), bias(c), conv_transpose_options(c)),
        get(c, "y"));
    const Tensor x = non_contiguous(get(c, "x")), w = non_contiguous(get(c, "w"));
    expect_close(core::conv_transpose2d(x, w, bias(c), conv_transpose_options(c)), get(c, "y"));
  }
}

// The backward of conv_transpose2d, as autograd composes it (Note [Transposed convolution]):
// gx = conv2d(gy, w), gw = conv2d_backward_weight(x, gy). When output_padding >= stride the
// convolution of gy has more rows than x: gx is narrowed and x zero-extended to match.
TEST_CASE("conv_transpose2d: backward through conv2d and conv2d_backward_weight vs PyTorch") {
  for (const std::string c : kConvTransposeCases) {
    CAPTURE(c);
    const core::ConvTranspose2dOptions t = conv_transpose_options(c);
    const core::Conv2dOptions o{t.stride, t.padding, t.dilation, t.groups};
    const Tensor x = get(c, "x"), w = get(c, "w"), gy = get(c, "gy");
    const Tensor gx_full = core::conv2d(gy, w, Tensor(), o);  // (N, C, H + out_pad / stride, ..)
    expect_close(gx_full.narrow(2, 0, x.size(2)).narrow(3, 0, x.size(3)), get(c, "gx"));
    const Tensor x_ext = Tensor::zeros(gx_full.shape(), x.dtype());
    x_ext.narrow(2, 0, x.size(2)).narrow(3, 0, x.size(3)).copy_(x);
    expect_close(core::conv2d_backward_weight(x_ext, gy, w.shape(), o), get(c, "gw"));
  }
}

TEST_CASE("conv2d, conv2d_backward_input, conv2d_backward_weight: error messages") {
  const Tensor x = Tensor::zeros({2, 4, 5, 5}), w = Tensor::zeros({6, 2, 3, 3});
  CHECK_THROWS_WITH_AS(core::conv2d(Tensor::zeros({4, 5, 5}), w, Tensor()),
                       "conv2d: input must be 4-D (N, C, H, W), got shape [4,5,5]", Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, Tensor::zeros({6, 2, 3}), Tensor()),
                       "conv2d: weight must be 4-D (O, C/groups, kH, kW), got shape [6,2,3]",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor()),
                       "conv2d: input [2,4,5,5] has 4 channels but weight [6,2,3,3] expects 2 (2 x "
                       "groups 1)",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor(), {.groups = 3}),
                       "conv2d: input [2,4,5,5] weight [6,2,3,3]: channels 4 and output channels 6 "
                       "must be divisible by groups 3",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor(), {.groups = 0}),
                       "conv2d: groups must be positive, got 0", Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor(), {.stride = {0, 1}, .groups = 2}),
                       "conv2d: stride [0, 1] and dilation [1, 1] must be positive and padding "
                       "[0, 0] non-negative",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor(), {.dilation = {3, 1}, .groups = 2}),
                       "conv2d: input [2,4,5,5] weight [6,2,3,3]: output size would be empty "
                       "(padding [0, 0], dilation [3, 1], stride [1, 1])",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w.to(DType::f64), Tensor(), {.groups = 2}),
                       "conv2d: input [2,4,5,5] is f32 but weight [6,2,3,3] is f64", Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x, w, Tensor::zeros({4}), {.groups = 2}),
                       "conv2d: bias must have shape [6] for weight [6,2,3,3], got [4]", Error);
  CHECK_THROWS_WITH_AS(core::conv2d(x.to(DType::i64), w.to(DType::i64), Tensor(), {.groups = 2}),
                       "conv2d: expected a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(
      core::conv2d_backward_input(Tensor::zeros({2, 6, 4, 3}), w, x.shape(), {.groups = 2}),
      "conv2d_backward_input: grad_out shape [2,6,4,3] does not match the output shape "
      "[2,6,3,3] of input [2,4,5,5] and weight [6,2,3,3]",
      Error);
  CHECK_THROWS_WITH_AS(core::conv2d_backward_weight(Tensor::zeros({2, 6, 3, 3}), x,
                                                    Shape{6, 4, 3, 3}, {.groups = 2}),
                       "conv2d_backward_weight: input [2,4,5,5] has 4 channels but weight "
                       "[6,4,3,3] expects 8 (4 x groups 2)",
                       Error);
  CHECK_THROWS_WITH_AS(
      core::conv2d_backward_weight(Tensor::zeros({2, 6, 3, 3}, DType::f64), x, w.shape(),
                                   {.groups = 2}),
      "conv2d_backward_weight: grad_out [2,6,3,3] is f64 but input [2,4,5,5] is f32", Error);
}

TEST_CASE("conv_transpose2d: error messages") {
  const Tensor x = Tensor::zeros({2, 4, 5, 5}), w = Tensor::zeros({4, 3, 3, 3});
  CHECK_THROWS_WITH_AS(core::conv_transpose2d(x, Tensor::zeros({3, 3, 3, 3}), Tensor()),
                       "conv_transpose2d: input [2,4,5,5] has 4 channels but weight [3,3,3,3] "
                       "expects 3, divisible by groups 1",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv_transpose2d(x, w, Tensor(), {.groups = 3}),
                       "conv_transpose2d: input [2,4,5,5] has 4 channels but weight [4,3,3,3] "
                       "expects 4, divisible by groups 3",
                       Error);
  CHECK_THROWS_WITH_AS(
      core::conv_transpose2d(x, w, Tensor(), {.stride = {2, 2}, .output_padding = {0, 2}}),
      "conv_transpose2d: output_padding [0, 2] must be non-negative and smaller "
      "than stride [2, 2] or dilation [1, 1]",
      Error);
  CHECK_THROWS_WITH_AS(core::conv_transpose2d(x, w, Tensor(), {.padding = {4, 0}}),
                       "conv_transpose2d: input [2,4,5,5] weight [4,3,3,3]: output size -1x7 is "
                       "not positive (padding [4, 0], dilation [1, 1], stride [1, 1], "
                       "output_padding [0, 0])",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv_transpose2d(x, w, Tensor::zeros({4})),
                       "conv_transpose2d: bias must have shape [3] for weight [4,3,3,3], got [4]",
                       Error);
  CHECK_THROWS_WITH_AS(core::conv_transpose2d(x, w.to(DType::f64), Tensor()),
                       "conv_transpose2d: input [2,4,5,5] is f32 but weight [4,3,3,3] is f64",
                       Error);
}
