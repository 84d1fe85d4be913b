// Views and copies (reshape, permute, transpose, expand, slice, slice_scatter, narrow, select,
// squeeze, unsqueeze, flatten, contiguous, clone, to) and matmul: gradients to second order.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/matmul.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

// The result squared, so second derivatives run through the op's backward too.
autograd::Function squared(std::function<Tensor(const Tensor&)> op) {
  return [op](const std::vector<Tensor>& in) {
    const Tensor y = op(in[0]);
    return std::vector<Tensor>{y * y};
  };
}

}  // namespace

TEST_CASE("reshape, view, flatten, squeeze, unsqueeze: gradients; views share storage") {
  const Tensor x = rnd({2, 3, 4});
  check_grads(squared([](const Tensor& t) { return reshape(t, {4, -1}); }), {x});
  check_grads(squared([](const Tensor& t) { return view(t, {6, 4}); }), {x});
  check_grads(squared([](const Tensor& t) { return flatten(t, 1); }), {x});
  check_grads(squared([](const Tensor& t) { return squeeze(unsqueeze(t, 1), 1); }), {x});
  CHECK(view(x, {24}).data().storage() == x.data().storage());
}

TEST_CASE("permute, transpose, expand, contiguous, clone: gradients") {
  const Tensor x = rnd({2, 3, 4});
  check_grads(squared([](const Tensor& t) { return permute(t, {2, 0, 1}); }), {x});
  check_grads(squared([](const Tensor& t) { return contiguous(transpose(t, 0, -1)); }), {x});
  const Tensor b = rnd({3, 1});
  check_grads(squared([](const Tensor& t) { return expand(t, {2, 3, 5}); }), {b});
  check_grads(squared([](const Tensor& t) { return clone(t) * 3.0; }), {x});
}

TEST_CASE("slice, narrow, select, slice_scatter: gradients with steps and negative bounds") {
  const Tensor x = rnd({5, 6});
  check_grads(squared([](const Tensor& t) { return slice(t, 1, 1, -1, 2); }), {x});
  check_grads(squared([](const Tensor& t) { return narrow(t, 0, -3, 2); }), {x});
  check_grads(squared([](const Tensor& t) { return select(t, 1, -1); }), {x});
  const Tensor src = rnd({5, 2});
  check_grads(squared([](const Tensor& t) { return slice_scatter(t, {5, 6}, 1, 0, 6, 3); }), {src});
  CHECK_THROWS_WITH_AS(slice_scatter(src, {5, 6}, 1, 0, 6, 2),
                       "slice_scatter: source of shape [5,2] does not fit slice [5,3] of [5,6]",
                       Error);
}

TEST_CASE("to: f32 <-> f64 conversion routes the gradient back in the input dtype") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  sum(to(x, DType::f32) * to(x, DType::f32)).backward();
  CHECK(x.grad().dtype() == DType::f64);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 4});
}

TEST_CASE("Tensor::to(DType): the method form of to(), differentiable; itself for its own dtype") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  const Tensor y = x.to(DType::f32);
  CHECK(y.dtype() == DType::f32);
  CHECK(y.to_vector<float>() == std::vector<float>{1, 2});
  sum(y * y).backward();  // the gradient comes back in f64
  CHECK(x.grad().dtype() == DType::f64);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 4});
  CHECK(x.to(DType::f64).impl() == x.impl());
  // the hint binary ops give for mixed dtypes works on liandan::Tensor
  CHECK_THROWS_WITH_AS(x + y, doctest::Contains("(convert with .to())"), Error);
  CHECK((x + y.to(DType::f64)).to_vector<double>() == std::vector<double>{2, 4});
}

TEST_CASE("matmul: 1-D, batched, broadcast batch and transposed operands to second order") {
  const auto mm = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{matmul(in[0], in[1])};
  };
  check_grads(mm, {rnd({3, 4}), rnd({4, 2})});
  check_grads(mm, {rnd({4}), rnd({4, 2})});
  check_grads(mm, {rnd({3, 4}), rnd({4})});
  check_grads(mm, {rnd({2, 1, 3, 4}), rnd({5, 4, 2})});
  check_grads(mm, {rnd({2, 3, 4}), rnd({4, 2})});  // a linear layer: weight grad folds the batch
  const auto mm_t = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{matmul(transpose(in[0], -1, -2), transpose(in[1], -1, -2))};
  };
  check_grads(mm_t, {rnd({2, 4, 3}), rnd({2, 5, 4})});
  // Linear's form, x w^T: the (g^T x)^T path for a transposed b, 2-D and batched x.
  const auto linear = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{matmul(in[0], transpose(in[1], 0, 1))};
  };
  check_grads(linear, {rnd({3, 4}), rnd({2, 4})});
  check_grads(linear, {rnd({2, 3, 4}), rnd({5, 4})});
}

TEST_CASE(
    "matmul: torch.matmul's 1-D cases (1D@1D, 1D@2D, 2D@1D, 1D@3D, 3D@1D), values and grads") {
  // out[i..] = sum_k a[.., k] b[k, ..] by loops over flat indices; 1-D operands as torch.matmul.
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{4}, {4}, {}},           {{4}, {4, 3}, {3}},       {{2, 4}, {4}, {2}},
      {{4}, {2, 4, 3}, {2, 3}}, {{2, 3, 4}, {4}, {2, 3}}, {{4}, {2, 1, 4, 3}, {2, 1, 3}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.a);
    CAPTURE(c.b);
    const Tensor a = rnd(c.a), b = rnd(c.b);
    const Tensor out = matmul(a, b);
    CHECK(out.shape() == c.out);
    // expected values: a as (Ba, M, K), b as (Bb, K, N) with the batch of the 3-D/4-D operand
    const std::int64_t k = c.a.back();
    const std::int64_t m = c.a.size() >= 2 ? c.a[c.a.size() - 2] : 1;
    const std::int64_t n = c.b.size() >= 2 ? c.b.back() : 1;
    const std::int64_t batch = out.numel() / (m * n);
    const auto av = a.to_vector<double>(), bv = b.to_vector<double>(), ov = out.to_vector<double>();
    const std::int64_t a_batch = c.a.size() > 2 ? m * k : 0, b_batch = c.b.size() > 2 ? k * n : 0;
    for (std::int64_t p = 0; p < batch; ++p)
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
          double acc = 0;
          for (std::int64_t q = 0; q < k; ++q)
            acc += av[p * a_batch + i * k + q] * bv[p * b_batch + q * n + j];
          CHECK(ov[(p * m + i) * n + j] == doctest::Approx(acc).epsilon(1e-12));
        }
    check_grads(
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{matmul(in[0], in[1])}; },
        {a, b});
  }
  // the dot product's gradients by hand: d/da = b, d/db = a
  const Tensor a = tensor<double>({1, 2, 3}, {3}, true), b = tensor<double>({4, 5, 6}, {3}, true);
  const Tensor dot = matmul(a, b);
  CHECK(dot.dim() == 0);
  CHECK(dot.item() == 32);
  dot.backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{4, 5, 6});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 2, 3});
  CHECK_THROWS_WITH_AS(matmul(a, rnd({4})), "matmul: [3] x [4]: inner dimensions 3 and 4 differ",
                       Error);
  CHECK_THROWS_WITH_AS(matmul(rnd({2, 4}), a),
                       "matmul: [2,4] x [3]: inner dimensions 4 and 3 differ", Error);
}

TEST_CASE("matmul: a weight used transposed (x w^T) gets a contiguous gradient of x^T g") {
  const Tensor x = rnd({2, 3, 4}), w = rnd({5, 4}), g = rnd({2, 3, 5});
  bool arrives_contiguous = false;  // so AccumulateGrad takes the buffer instead of copying it
  w.register_hook([&](const Tensor& grad) {
    arrives_contiguous = grad.data().is_contiguous();
    return Tensor();
  });
  matmul(x, transpose(w, 0, 1)).backward(g);
  CHECK(arrives_contiguous);
  const core::Tensor x2 = x.data().reshape({6, 4}), g2 = g.data().reshape({6, 5});
  test::expect_close(w.grad().data(), core::matmul(g2.transpose(0, 1), x2), 1e-14, 1e-14);
}

TEST_CASE("matmul: f32 gradients agree with f64 (oneDNN path vs reference loop)") {
  const Tensor a64 = rnd({6, 7, 5}), b64 = rnd({5, 3});
  const Tensor a32(a64.data().to(DType::f32), true), b32(b64.data().to(DType::f32), true);
  sum(matmul(a64, b64) * matmul(a64, b64)).backward();
  sum(matmul(a32, b32) * matmul(a32, b32)).backward();
  const auto g64 = b64.grad().to_vector<double>(), g32 = b32.grad().to_vector<double>();
  for (std::size_t i = 0; i < g64.size(); ++i)
    CHECK(g32[i] == doctest::Approx(g64[i]).epsilon(1e-4));
}
