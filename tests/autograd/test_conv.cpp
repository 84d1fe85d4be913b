// Convolution and pooling: conv2d, conv2d_input_grad, conv2d_weight_grad, conv_transpose2d,
// max_pool2d, avg_pool2d — forward against core, first and second derivatives against finite
// differences (stride, padding, dilation, groups), backward against the core kernels, errors.
#include <doctest/doctest.h>

#include <limits>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/conv.hpp"
#include "liandan/core/pool.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using core::Conv2dOptions;
using core::ConvTranspose2dOptions;
using core::Pool2dOptions;
using test::check_grads;
using test::rnd;

namespace {

// f64 values k / n - 0.5 for a permutation k of 0..n-1 (n coprime to 37): no ties, spaced 1/n.
Tensor distinct(const Shape& shape) {
  const std::int64_t n = shape.numel();
  std::vector<double> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = static_cast<double>(i * 37 % n) / n - 0.5;
  return tensor<double>(v, shape, true);
}

void expect_equal(const Tensor& a, const core::Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  CHECK(a.to_vector<double>() == b.to_vector<double>());
}

struct ConvCase {
  const char* name;
  Shape x, w;
  Conv2dOptions o;
};
const ConvCase conv_cases[] = {
    {"plain", {2, 2, 4, 4}, {3, 2, 2, 2}, {}},
    {"stride 2, padding 1", {1, 2, 5, 4}, {2, 2, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}},
    {"dilation 2, stride (1, 2)",
     {1, 1, 5, 6},
     {2, 1, 2, 2},
     {.stride = {1, 2}, .dilation = {2, 2}}},
    {"groups 2, padding (0, 1)", {1, 4, 3, 3}, {4, 2, 2, 2}, {.padding = {0, 1}, .groups = 2}},
};

}  // namespace

TEST_CASE("conv2d: forward matches core; gradients of x, weight, bias to second order") {
  for (const ConvCase& c : conv_cases) {
    CAPTURE(c.name);
    const Tensor x = rnd(c.x), w = rnd(c.w), b = rnd({c.w[0]});
    expect_equal(conv2d(x, w, b, c.o), core::conv2d(x.data(), w.data(), b.data(), c.o));
    check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector{conv2d(in[0], in[1], in[2], c.o)};
        },
        {x, w, b});
  }
}

TEST_CASE("conv2d: f32 backward equals the core backward kernels") {
  const Tensor x = randn({2, 4, 6, 6}, {.requires_grad = true});
  const Tensor w = randn({4, 2, 3, 3}, {.requires_grad = true});
  const Conv2dOptions o{.stride = {2, 1}, .padding = {1, 1}, .groups = 2};
  const Tensor y = conv2d(x, w, {}, o);
  const Tensor g = randn(y.shape());
  y.backward(g);
  expect_equal(x.grad(), core::conv2d_backward_input(g.data(), w.data(), x.shape(), o));
  expect_equal(w.grad(), core::conv2d_backward_weight(g.data(), x.data(), w.shape(), o));
}

TEST_CASE("conv2d_input_grad and conv2d_weight_grad: forward matches core; gradients") {
  for (const ConvCase& c : conv_cases) {
    CAPTURE(c.name);
    const Tensor x = rnd(c.x), w = rnd(c.w);
    const Tensor g = rnd(core::conv2d(x.data(), w.data(), {}, c.o).shape());
    expect_equal(conv2d_input_grad(g, w, c.x, c.o),
                 core::conv2d_backward_input(g.data(), w.data(), c.x, c.o));
    expect_equal(conv2d_weight_grad(g, x, c.w, c.o),
                 core::conv2d_backward_weight(g.data(), x.data(), c.w, c.o));
    check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector{conv2d_input_grad(in[0], in[1], c.x, c.o)};
        },
        {g, w});
    check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector{conv2d_weight_grad(in[0], in[1], c.w, c.o)};
        },
        {g, x});
  }
}

TEST_CASE("conv_transpose2d: forward matches core; gradients incl. output_padding >= stride") {
  struct Case {
    const char* name;
    Shape x, w;
    ConvTranspose2dOptions o;
  };
  const Case cases[] = {
      {"plain", {2, 2, 3, 3}, {2, 3, 2, 2}, {}},
      {"stride 2, padding 1, output_padding 1",
       {1, 2, 3, 2},
       {2, 2, 3, 3},
       {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 0}}},
      {"dilation 2, output_padding 1 >= stride 1",  // x zero-extended
       {1, 1, 3, 3},
       {1, 2, 2, 2},
       {.output_padding = {1, 1}, .dilation = {2, 2}}},
      {"groups 2", {1, 4, 2, 3}, {4, 1, 2, 2}, {.stride = {1, 2}, .groups = 2}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const Tensor x = rnd(c.x), w = rnd(c.w), b = rnd({c.w[1] * c.o.groups});
    expect_equal(conv_transpose2d(x, w, b, c.o),
                 core::conv_transpose2d(x.data(), w.data(), b.data(), c.o));
    check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector{conv_transpose2d(in[0], in[1], in[2], c.o)};
        },
        {x, w, b});
  }
}

TEST_CASE("max_pool2d: forward and backward match core; gradients to second order") {
  const Pool2dOptions options[] = {
      {},
      {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}},
      {.kernel = {2, 3}, .stride = {1, 2}, .padding = {1, 1}},  // overlapping windows
  };
  for (const Pool2dOptions& o : options) {
    CAPTURE(o.kernel);
    const Tensor x = distinct({2, 2, 5, 5});
    const Tensor y = max_pool2d(x, o);
    expect_equal(y, core::max_pool2d(x.data(), o));
    const Tensor g = randn(y.shape(), {.dtype = DType::f64});
    y.backward(g);
    expect_equal(x.grad(), core::max_pool2d_backward(g.data(), x.data(), o));
    check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector{pow(max_pool2d(in[0], o), 2.0)}; },
        {x});
  }
}

TEST_CASE("max_pool2d: ties and all -inf windows send the gradient where core does") {
  const Pool2dOptions o{.kernel = {3, 3}, .stride = {1, 1}, .padding = {1, 1}};
  for (double value : {1.0, -std::numeric_limits<double>::infinity()}) {
    CAPTURE(value);
    const Tensor x = full({1, 2, 4, 3}, value, {.dtype = DType::f64, .requires_grad = true});
    const Tensor y = max_pool2d(x, o);
    const Tensor g = randn(y.shape(), {.dtype = DType::f64});
    y.backward(g);
    expect_equal(x.grad(), core::max_pool2d_backward(g.data(), x.data(), o));
  }
}

TEST_CASE("avg_pool2d: forward and backward match core; gradients to second order") {
  const Pool2dOptions options[] = {
      {},
      {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}},
      {.kernel = {3, 2}, .stride = {1, 1}, .padding = {1, 1}, .count_include_pad = false},
  };
  for (const Pool2dOptions& o : options) {
    CAPTURE(o.kernel);
    const Tensor x = rnd({2, 2, 5, 4});
    const Tensor y = avg_pool2d(x, o);
    expect_equal(y, core::avg_pool2d(x.data(), o));
    const Tensor g = randn(y.shape(), {.dtype = DType::f64});
    y.backward(g);
    expect_equal(x.grad(), core::avg_pool2d_backward(g.data(), x.shape(), o));
    check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector{pow(avg_pool2d(in[0], o), 2.0)}; },
        {x});
  }
}

TEST_CASE("conv and pool ops: errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(conv2d(rnd({1, 3, 4, 4}), rnd({2, 2, 2, 2})),
                       doctest::Contains("conv2d: input [1,3,4,4] has 3 channels"), Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(rnd({1, 2, 3, 3}), rnd({2, 2, 2, 2}), {}, {.output_padding = {1, 1}}),
      doctest::Contains("conv_transpose2d: output_padding [1, 1] must be"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(rnd({1, 2, 3, 3}), rnd({3, 2, 2, 2})),
                       doctest::Contains("conv_transpose2d: input [1,2,3,3] has 2 channels"),
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(rnd({1, 1, 4, 4}), {.kernel = {2, 2}, .padding = {2, 2}}),
                       doctest::Contains("max_pool2d: padding"), Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(rnd({1, 4, 4}), {}),
                       doctest::Contains("avg_pool2d: input must be 4-D"), Error);
}

TEST_CASE("max_pool2d: a second backward without retain_graph is an error") {
  const Tensor x = distinct({1, 1, 4, 4});
  const Tensor y = sum(max_pool2d(x, {}));
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("backward through the graph a second time"),
                       Error);
}
