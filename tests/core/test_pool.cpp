// core/pool: max and average pooling and their backward kernels against PyTorch
// (tests/fixtures/gen_conv.py), non-contiguous inputs, ties, max_pool2d_indices and error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "conv_fixture.hpp"

using namespace liandan;
using namespace liandan::test::conv;
using core::Tensor;

TEST_CASE("max_pool2d: stride, padding, ties vs PyTorch (f32, f64)") {
  for (const std::string c : {"max_pool2d_basic", "max_pool2d_ties", "max_pool2d_f64"}) {
    CAPTURE(c);
    expect_close(core::max_pool2d(get(c, "x"), pool_options(c)), get(c, "y"));
    expect_close(core::max_pool2d(non_contiguous(get(c, "x")), pool_options(c)), get(c, "y"));
  }  // NaN propagates, as in PyTorch.
  const Tensor x = Tensor::from<float>({1, NAN, 3, 2}, {1, 1, 2, 2});
  CHECK(std::isnan(core::max_pool2d(x, {.kernel = {2, 2}}).item()));
}

TEST_CASE("max_pool2d_backward: the first maximum of each window gets the gradient") {
  for (const std::string c : {"max_pool2d_basic", "max_pool2d_ties", "max_pool2d_f64"}) {
    CAPTURE(c);
    expect_close(core::max_pool2d_backward(get(c, "gy"), get(c, "x"), pool_options(c)),
                 get(c, "gx"));
    expect_close(core::max_pool2d_backward(non_contiguous(get(c, "gy")),
                                           non_contiguous(get(c, "x")), pool_options(c)),
                 get(c, "gx"));
  }
  // A window of equal values sends everything to its first (top-left) element.
  const Tensor gx = core::max_pool2d_backward(Tensor::ones({1, 1, 1, 1}),
                                              Tensor::zeros({1, 1, 2, 2}), {.kernel = {2, 2}});
  CHECK(gx.to_vector<float>() == std::vector<float>{1, 0, 0, 0});
}

constexpr const char* kAvgPoolCases[] = {"avg_pool2d_include_pad", "avg_pool2d_exclude_pad",
                                         "avg_pool2d_f64", "avg_pool2d_default_stride"};

TEST_CASE("avg_pool2d: padding with count_include_pad both ways vs PyTorch (f32, f64)") {
  for (const std::string c : kAvgPoolCases) {
    CAPTURE(c);
    expect_close(core::avg_pool2d(get(c, "x"), pool_options(c)), get(c, "y"));
    expect_close(core::avg_pool2d(non_contiguous(get(c, "x")), pool_options(c)), get(c, "y"));
  }
}

TEST_CASE("avg_pool2d_backward: vs PyTorch autograd (f32, f64)") {
  for (const std::string c : kAvgPoolCases) {
    CAPTURE(c);
    const Shape xs = get(c, "x").shape();
    expect_close(core::avg_pool2d_backward(get(c, "gy"), xs, pool_options(c)), get(c, "gx"));
    expect_close(core::avg_pool2d_backward(non_contiguous(get(c, "gy")), xs, pool_options(c)),
                 get(c, "gx"));
  }
}

TEST_CASE("max_pool2d, avg_pool2d and their backward kernels: error messages") {
  const Tensor x = Tensor::zeros({2, 3, 5, 5});
  CHECK_THROWS_WITH_AS(core::max_pool2d(Tensor::zeros({3, 5, 5}), {}),
                       "max_pool2d: input must be 4-D (N, C, H, W), got shape [3,5,5]", Error);
  CHECK_THROWS_WITH_AS(core::avg_pool2d(x, {.kernel = {2, 2}, .padding = {2, 0}}),
                       "avg_pool2d: padding [2, 0] must be non-negative and at most half the "
                       "kernel [2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d(x, {.kernel = {0, 2}}),
                       "max_pool2d: kernel [0, 2] and stride [0, 2] must be positive", Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d(x, {.kernel = {8, 2}, .padding = {1, 0}}),
                       "max_pool2d: input [2,3,5,5] is smaller than the kernel [8, 2] (padding "
                       "[1, 0]): empty output",
                       Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d(Tensor::zeros({2, 3, 0, 5}), {}),
                       "max_pool2d: input [2,3,0,5] has an empty spatial size", Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d(x.to(DType::i64), {}),
                       "max_pool2d: expected a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d_backward(Tensor::zeros({2, 3, 3, 2}), x, {}),
                       "max_pool2d_backward: grad_out shape [2,3,3,2] does not match the output "
                       "shape [2,3,2,2] of input [2,3,5,5]",
                       Error);
  CHECK_THROWS_WITH_AS(core::max_pool2d_backward(Tensor::zeros({2, 3, 2, 2}, DType::f64), x, {}),
                       "max_pool2d_backward: grad_out [2,3,2,2] is f64 but input [2,3,5,5] is f32",
                       Error);
  CHECK_THROWS_WITH_AS(
      core::avg_pool2d_backward(Tensor::zeros({2, 3, 2, 2}), Shape{2, 3, 6, 6}, {}),
      "avg_pool2d_backward: grad_out shape [2,3,2,2] does not match the output "
      "shape [2,3,3,3] of input [2,3,6,6]",
      Error);
}

TEST_CASE("max_pool2d_indices: gathering x at the indices gives max_pool2d, ties go to the first") {
  const Tensor x = core::normal({2, 3, 7, 6});
  const core::Pool2dOptions o{.kernel = {3, 2}, .stride = {2, 2}, .padding = {1, 1}};
  const Tensor idx = core::max_pool2d_indices(x, o);
  CHECK(idx.dtype() == DType::i64);
  const Tensor picked = core::gather(x.view({2, 3, 42}), 2, idx.view({2, 3, -1}));
  test::expect_close(picked.view(idx.shape()), core::max_pool2d(x, o), 0, 0);
  const Tensor ties = Tensor::ones({1, 1, 2, 2});
  CHECK(core::max_pool2d_indices(ties, {.kernel = {2, 2}}).item() == 0);
}
