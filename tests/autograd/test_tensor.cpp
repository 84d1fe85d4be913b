// liandan::Tensor's op methods (x.flatten(1), x.sum({-1}, true), ...): each gives the free op's
// values, node and errors; a chain of methods passes gradcheck and gradgradcheck.
#include <doctest/doctest.h>

#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

// The method and the free op it calls agree to the bit and record the same kind of node.
void check_same(const Tensor& method, const Tensor& op) {
  CHECK(method.shape() == op.shape());
  CHECK(method.dtype() == op.dtype());
  CHECK(method.data().to_vector<double>() == op.data().to_vector<double>());
  REQUIRE(method.grad_fn() != nullptr);
  CHECK(method.grad_fn()->name() == op.grad_fn()->name());
}

}  // namespace

TEST_CASE("Tensor movement methods: shapes, values and nodes of the free ops") {
  const Tensor x = rnd({2, 3, 4});
  CHECK(x.flatten(1).shape() == Shape{2, 12});
  CHECK(x.flatten().shape() == Shape{24});
  CHECK(x.flatten(0, 1).shape() == Shape{6, 4});
  check_same(x.flatten(1), flatten(x, 1));
  CHECK(x.view({6, 4}).shape() == Shape{6, 4});
  check_same(x.view({6, 4}), view(x, {6, 4}));
  CHECK(x.reshape({-1, 4}).shape() == Shape{6, 4});
  check_same(x.reshape({-1, 4}), reshape(x, {-1, 4}));
  CHECK(x.transpose(0, 2).shape() == Shape{4, 3, 2});
  check_same(x.transpose(0, 2), transpose(x, 0, 2));
  CHECK(x.permute({2, 0, 1}).shape() == Shape{4, 2, 3});
  check_same(x.permute({2, 0, 1}), permute(x, {2, 0, 1}));
  CHECK(x.unsqueeze(1).shape() == Shape{2, 1, 3, 4});
  check_same(x.unsqueeze(-1), unsqueeze(x, -1));
  CHECK(x.unsqueeze(1).squeeze(1).shape() == Shape{2, 3, 4});
  check_same(x.unsqueeze(1).squeeze(1), squeeze(unsqueeze(x, 1), 1));
  CHECK(x.unsqueeze(0).expand({5, 2, 3, 4}).shape() == Shape{5, 2, 3, 4});
  check_same(x.unsqueeze(0).expand({5, 2, 3, 4}), expand(unsqueeze(x, 0), {5, 2, 3, 4}));
  CHECK(x.narrow(2, 1, 2).shape() == Shape{2, 3, 2});
  check_same(x.narrow(2, 1, 2), narrow(x, 2, 1, 2));
  CHECK(x.select(1, -1).shape() == Shape{2, 4});
  check_same(x.select(1, -1), select(x, 1, -1));
  check_same(x.transpose(0, 1).contiguous(), contiguous(transpose(x, 0, 1)));
  check_same(x.clone(), clone(x));
}

TEST_CASE("Tensor reduction, normalisation, matmul and unary methods: the free ops' results") {
  const Tensor x = rnd({2, 3, 4});
  CHECK(x.sum().shape() == Shape{});
  CHECK(x.sum({-1}, true).shape() == Shape{2, 3, 1});
  check_same(x.sum({-1}, true), sum(x, {-1}, true));
  CHECK(x.mean({0}).shape() == Shape{3, 4});
  check_same(x.mean({0}), mean(x, {0}));
  check_same(x.amax({1}), amax(x, {1}));
  check_same(x.amin({1, 2}, true), amin(x, {1, 2}, true));
  check_same(x.var({2}, 0), var(x, {2}, 0));
  check_same(x.std({2}, 1, true), liandan::std(x, {2}, 1, true));
  check_same(x.norm(1, {0}), norm(x, 1, {0}));
  CHECK(x.argmax(2).shape() == Shape{2, 3});
  CHECK(x.argmax(2).dtype() == DType::i64);
  CHECK(x.argmax(2, true).to_vector<std::int64_t>() ==
        argmax(x, 2, true).to_vector<std::int64_t>());
  check_same(x.softmax(-1), softmax(x, -1));
  check_same(x.log_softmax(1), log_softmax(x, 1));
  const Tensor w = rnd({4, 5});
  CHECK(x.matmul(w).shape() == Shape{2, 3, 5});
  check_same(x.matmul(w), matmul(x, w));
  const Tensor p = x.abs() + 0.5;  // positive, for log, sqrt, rsqrt and pow
  check_same(p.exp(), exp(p));
  check_same(p.log(), log(p));
  check_same(p.sqrt(), sqrt(p));
  check_same(p.rsqrt(), rsqrt(p));
  check_same(x.abs(), abs(x));
  check_same(x.tanh(), tanh(x));
  check_same(x.sigmoid(), sigmoid(x));
  check_same(x.relu(), relu(x));
  check_same(p.pow(1.5), pow(p, 1.5));
  check_same(x.clamp(-0.5, 0.5), clamp(x, -0.5, 0.5));
  CHECK(x.sum().item() == sum(x).item());
}

TEST_CASE("Tensor methods: a chain of them passes gradcheck and gradgradcheck") {
  check_grads(
      [](const std::vector<Tensor>& in) {
        const Tensor h = in[0].flatten(1).unsqueeze(0).squeeze(0).transpose(0, 1);  // (12, 2)
        const Tensor a = h.softmax(0).matmul(in[1]).mean({1}, true);                // (12, 1)
        return std::vector<Tensor>{a.view({3, 4}).permute({1, 0}).sum({0}) + h.std({0}).sum()};
      },
      {rnd({2, 3, 4}), rnd({2, 5})});
}

TEST_CASE("Tensor methods: errors are the free ops' errors") {
  const Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(x.flatten(2, 1), "flatten: start dim 2 after end dim 1", Error);
  CHECK_THROWS_WITH_AS(x.view({5, 5}),
                       "view: shape [5,5] is invalid for input of shape [2,3,4] (24 elements)",
                       Error);
  CHECK_THROWS_WITH_AS(x.softmax(3), "softmax: dim 3 out of range for a tensor of 3 dims", Error);
  CHECK_THROWS_WITH_AS(x.matmul(zeros({5, 2})),
                       "matmul: [2,3,4] x [5,2]: inner dimensions 4 and 5 differ", Error);
  CHECK_THROWS_WITH_AS(Tensor().flatten(1), "flatten: undefined tensor (argument x)", Error);
  CHECK_THROWS_WITH_AS(Tensor().sum(), "sum: undefined tensor (argument x)", Error);
}
