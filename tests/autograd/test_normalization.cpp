// softmax, log_softmax and layer_norm: forward against core, first and second derivatives
// against finite differences, hand-derived gradients, and layer_norm's fast backward path
// (no create_graph) against the composed one.
#include <doctest/doctest.h>

#include <cmath>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/layer_norm.hpp"
#include "liandan/core/softmax.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

void check_close(const Tensor& a, const Tensor& b, double tol = 1e-12) {
  REQUIRE(a.shape() == b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i) CHECK(va[i] == doctest::Approx(vb[i]).epsilon(tol));
}

}  // namespace

TEST_CASE("softmax, log_softmax: forward matches core; gradients along dims 0, 1, -1") {
  const Tensor x = rnd({2, 3, 4});
  for (std::int64_t dim : {0, 1, -1}) {
    CAPTURE(dim);
    CHECK(softmax(x, dim).to_vector<double>() == core::softmax(x.data(), dim).to_vector<double>());
    CHECK(log_softmax(x, dim).to_vector<double>() ==
          core::log_softmax(x.data(), dim).to_vector<double>());
    check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{softmax(in[0], dim)}; },
        {x});
    check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{log_softmax(in[0], dim)}; },
        {x});
  }
}

TEST_CASE("softmax, log_softmax: hand-derived gradients") {
  const Tensor x = tensor<double>({0.5, -1.0, 2.0}, {3}, true);
  const auto p = softmax(x, 0).to_vector<double>();
  // d/dx sum(softmax) = 0: the outputs always sum to 1.
  for (double g : autograd::grad({sum(softmax(x, 0))}, {x})[0].to_vector<double>())
    CHECK(g == doctest::Approx(0.0));
  // d/dx log_softmax(x)_1 = onehot(1) - softmax(x), the cross-entropy gradient.
  const auto g = autograd::grad({select(log_softmax(x, 0), 0, 1)}, {x})[0].to_vector<double>();
  CHECK(g[0] == doctest::Approx(-p[0]));
  CHECK(g[1] == doctest::Approx(1 - p[1]));
  CHECK(g[2] == doctest::Approx(-p[2]));
  // d/dx softmax(x)_0 = p_0 (onehot(0) - p)
  const auto gs = autograd::grad({select(softmax(x, 0), 0, 0)}, {x})[0].to_vector<double>();
  CHECK(gs[0] == doctest::Approx(p[0] * (1 - p[0])));
  CHECK(gs[2] == doctest::Approx(-p[0] * p[2]));
}

TEST_CASE("layer_norm: forward matches core; gradients with and without weight and bias") {
  const Tensor x = rnd({2, 3, 4});
  const Tensor w4 = rnd({4}), b4 = rnd({4}), w34 = rnd({3, 4}), b34 = rnd({3, 4});
  struct Case {
    Shape normalized;
    Tensor weight, bias;
  };
  for (const Case& c : {Case{{4}, w4, b4}, Case{{4}, {}, {}}, Case{{4}, w4, {}}, Case{{4}, {}, b4},
                        Case{{3, 4}, w34, b34}, Case{{2, 3, 4}, {}, {}}}) {
    CAPTURE(c.normalized.str());
    CAPTURE(c.weight.defined());
    CAPTURE(c.bias.defined());
    const core::LayerNormResult ref = core::layer_norm(
        x.data(), c.normalized, c.weight.defined() ? c.weight.data() : core::Tensor(),
        c.bias.defined() ? c.bias.data() : core::Tensor(), 1e-5);
    CHECK(layer_norm(x, c.normalized, c.weight, c.bias).to_vector<double>() ==
          ref.out.to_vector<double>());
    std::vector<Tensor> inputs{x};
    if (c.weight.defined()) inputs.push_back(c.weight);
    if (c.bias.defined()) inputs.push_back(c.bias);
    check_grads(
        [&](const std::vector<Tensor>& in) {
          const Tensor w = c.weight.defined() ? in[1] : Tensor();
          const Tensor b = c.bias.defined() ? in.back() : Tensor();
          return std::vector<Tensor>{layer_norm(in[0], c.normalized, w, b)};
        },
        inputs);
  }
}

TEST_CASE("layer_norm: gradients of weight and bias by hand; d/dx sums to 0 per row") {
  const Tensor x = tensor<double>({1.0, 2.0, 4.0, -1.0, 0.0, 5.0}, {2, 3}, true);
  const Tensor w = tensor<double>({1.0, 2.0, 3.0}, {3}, true);
  const Tensor b = tensor<double>({0.0, 0.0, 0.0}, {3}, true);
  const Tensor g = tensor<double>({1.0, 1.0, 1.0, 2.0, 2.0, 2.0}, {2, 3});
  const Tensor y = layer_norm(x, {3}, w, b, 0.0);
  const auto grads = autograd::grad({y}, {x, w, b}, {g});
  CHECK(grads[2].to_vector<double>() == std::vector<double>{3.0, 3.0, 3.0});  // sum of g
  const Tensor xhat = layer_norm(x, {3}, {}, {}, 0.0);
  check_close(grads[1], sum(g * xhat, {0}));
  for (double s : sum(grads[0], {1}).to_vector<double>()) CHECK(s == doctest::Approx(0.0));
}

TEST_CASE("layer_norm: the fast backward (no create_graph) matches the composed one") {
  const Tensor x = rnd({3, 5, 6}), w = rnd({5, 6}), b = rnd({5, 6});
  const Tensor v = randn({3, 5, 6}, {.dtype = DType::f64});
  auto grads = [&](const Tensor& weight, const Tensor& bias, bool create_graph) {
    std::vector<Tensor> inputs{x};
    if (weight.defined()) inputs.push_back(weight);
    if (bias.defined()) inputs.push_back(bias);
    const Tensor y = layer_norm(x, {5, 6}, weight, bias);
    return autograd::grad({y}, inputs, {v}, {.create_graph = create_graph});
  };
  for (bool affine : {true, false}) {
    CAPTURE(affine);
    const auto fast = grads(affine ? w : Tensor(), affine ? b : Tensor(), false);
    const auto composed = grads(affine ? w : Tensor(), affine ? b : Tensor(), true);
    REQUIRE(fast.size() == composed.size());
    CHECK_FALSE(fast[0].requires_grad());
    CHECK(composed[0].requires_grad());
    for (std::size_t i = 0; i < fast.size(); ++i) check_close(fast[i], composed[i]);
  }
  // An expanded (stride-0) upstream gradient, as sum() sends it.
  const Tensor w6 = rnd({6});
  auto sum_grads = [&](bool create_graph) {
    return autograd::grad({sum(layer_norm(x, {6}, w6))}, {x, w6}, {},
                          {.create_graph = create_graph});
  };
  const auto fast_sum = sum_grads(false), composed_sum = sum_grads(true);
  for (std::size_t i = 0; i < 2; ++i) check_close(fast_sum[i], composed_sum[i]);
  // f32 too, where the fused loop runs on float.
  const Tensor x32(x.data().to(DType::f32), true), w32(w.data().to(DType::f32), true);
  const Tensor v32(v.data().to(DType::f32));
  const auto fast = autograd::grad({layer_norm(x32, {5, 6}, w32)}, {x32, w32}, {v32});
  const auto composed =
      autograd::grad({layer_norm(x32, {5, 6}, w32)}, {x32, w32}, {v32}, {.create_graph = true});
  for (std::size_t i = 0; i < 2; ++i) check_close(fast[i], composed[i], 1e-4);
}

TEST_CASE("layer_norm: double backward with a computed weight and bias, any inputs asked for") {
  // Second-order graphs in which some of LayerNormBackward's gradients are undefined.
  for (const bool x_grad : {false, true})
    for (const int bias : {0, 1, 2})  // none, a leaf, computed
      for (const bool linear : {true, false}) {
        CAPTURE(x_grad);
        CAPTURE(bias);
        CAPTURE(linear);
        const Tensor x = randn({2, 3}, {.dtype = DType::f64, .requires_grad = x_grad});
        const Tensor w0 = randn({3}, {.dtype = DType::f64, .requires_grad = true});
        const Tensor b0 = randn({3}, {.dtype = DType::f64, .requires_grad = true});
        auto f = [&](const std::vector<Tensor>& in) {
          const Tensor b = bias == 0 ? Tensor() : bias == 1 ? in[2] : in[2] * 1.0;
          const Tensor y = layer_norm(in[0], {3}, in[1] * 1.0, b);
          return std::vector<Tensor>{linear ? y : y * y};
        };
        test::check_grads(f, {x, w0, b0});
        const Tensor y = f({x, w0, b0})[0];
        std::vector<Tensor> inputs{w0};
        if (x_grad) inputs.push_back(x);
        Tensor penalty = scalar(0, {.dtype = DType::f64});
        for (const Tensor& g : autograd::grad({sum(y)}, inputs, {}, {.create_graph = true}))
          penalty = penalty + sum(g * g);
        if (penalty.requires_grad()) CHECK_NOTHROW(penalty.backward());
      }
}
