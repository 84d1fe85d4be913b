// Index ops: index_select, index_add, gather, scatter_add, embedding, one_hot — forward against
// core, first and second derivatives against finite differences, errors.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/indexing.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

Tensor idx(std::initializer_list<std::int64_t> v, const Shape& shape) {
  return tensor<std::int64_t>(v, shape);
}

// The op's result squared, so the second derivative also runs through the op's backward and
// the backward of that.
std::vector<Tensor> squared(const Tensor& y) { return {y * y}; }

}  // namespace

TEST_CASE("index_select: forward matches core; gradients with repeated indices on dims 0, 1, -1") {
  const Tensor x = rnd({4, 3, 5});
  const Tensor i = idx({2, 0, 2, 1}, {4});
  CHECK(index_select(x, 1, idx({2, 0, 2}, {3})).to_vector<double>() ==
        core::index_select(x.data(), 1, idx({2, 0, 2}, {3}).data()).to_vector<double>());
  for (std::int64_t dim : {0, 1, -1}) {
    CAPTURE(dim);
    const Tensor id = dim == 1 ? idx({2, 0, 2}, {3}) : i;
    check_grads(
        [&](const std::vector<Tensor>& in) { return squared(index_select(in[0], dim, id)); }, {x});
  }
}

TEST_CASE("index_add: forward matches core; gradients of x and src with repeated indices") {
  const Tensor x = rnd({4, 3}), src = rnd({4, 5});
  const Tensor i = idx({1, 1, 0, 2, 1}, {5});
  CHECK(index_add(x, -1, i, src).to_vector<double>() ==
        core::index_add(x.data(), -1, i.data(), src.data()).to_vector<double>());
  check_grads(
      [&](const std::vector<Tensor>& in) { return squared(index_add(in[0], -1, i, in[1])); },
      {x, src});
  const Tensor src0 = rnd({2, 3});
  check_grads(
      [&](const std::vector<Tensor>& in) {
        return squared(index_add(in[0], 0, idx({3, 3}, {2}), in[1]));
      },
      {x, src0});
}

TEST_CASE("gather: forward matches core; gradients with repeated and partial indices") {
  const Tensor x = rnd({3, 4});
  const Tensor i0 = idx({2, 0, 2, 1, 2, 2}, {2, 3});  // smaller than x on dim 1
  const Tensor i1 = idx({3, 3, 0, 1, 1, 1, 2, 0, 3}, {3, 3});
  CHECK(gather(x, 0, i0).to_vector<double>() ==
        core::gather(x.data(), 0, i0.data()).to_vector<double>());
  check_grads([&](const std::vector<Tensor>& in) { return squared(gather(in[0], 0, i0)); }, {x});
  check_grads([&](const std::vector<Tensor>& in) { return squared(gather(in[0], -1, i1)); }, {x});
}

TEST_CASE("scatter_add: forward matches core; gradients of x and a src larger than the index") {
  const Tensor x = rnd({3, 4}), src = rnd({3, 5});
  const Tensor i = idx({0, 0, 2, 1, 2, 2}, {2, 3});  // src rows 2 and columns 3.. unused
  CHECK(scatter_add(x, 0, i, src).to_vector<double>() ==
        core::scatter_add(x.data(), 0, i.data(), src.data()).to_vector<double>());
  check_grads(
      [&](const std::vector<Tensor>& in) { return squared(scatter_add(in[0], 0, i, in[1])); },
      {x, src});
  const Tensor j = idx({3, 3, 0, 1, 1, 1}, {3, 2});
  check_grads(
      [&](const std::vector<Tensor>& in) { return squared(scatter_add(in[0], -1, j, in[1])); },
      {x, src});
  // src elements outside the index get a zero gradient
  sum(scatter_add(x, 0, i, src)).backward();
  const auto gs = src.grad().to_vector<double>();
  CHECK(gs == std::vector<double>{1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("embedding: forward matches core; repeated indices accumulate into weight.grad") {
  const Tensor w = rnd({5, 3});
  const Tensor i = idx({4, 1, 4, 0, 4, 1}, {2, 3});
  const Tensor y = embedding(w, i);
  CHECK(y.shape() == Shape{2, 3, 3});
  CHECK(y.to_vector<double>() == core::embedding(w.data(), i.data()).to_vector<double>());
  sum(y).backward();
  const auto g = w.grad().to_vector<double>();  // row r gets count(r) in every column
  const std::vector<double> counts{1, 2, 0, 0, 3};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) CHECK(g[r * 3 + c] == counts[r]);
  check_grads([&](const std::vector<Tensor>& in) { return squared(embedding(in[0], i)); }, {w});
}

TEST_CASE("one_hot: values as core, no gradient") {
  const Tensor y = one_hot(idx({2, 0, 1}, {3}), 4);
  CHECK(y.dtype() == DType::i64);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  CHECK(one_hot(idx({2, 0}, {2})).shape() == Shape{2, 3});
}

TEST_CASE("index ops: errors name the op and the shapes") {
  const Tensor x = rnd({4, 3});
  CHECK_THROWS_WITH_AS(index_select(x, 0, idx({4}, {1})),
                       doctest::Contains("index_select: index 4 out of range for dim 0 of size 4"),
                       Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, idx({0, 1}, {2})), doctest::Contains("gather"), Error);
  CHECK_THROWS_WITH_AS(index_add(x, 0, idx({0}, {1}), rnd({2, 3})),
                       doctest::Contains("index_add: src shape [2,3]"), Error);
  CHECK_THROWS_WITH_AS(embedding(rnd({5}), idx({0}, {1})),
                       doctest::Contains("embedding: weight must be 2-D (V, D), got shape [5]"),
                       Error);
}

TEST_CASE("embedding: an index modified in place after the forward is an error at backward") {
  const Tensor w = rnd({5, 3});
  const Tensor i = idx({4, 1}, {2});
  const Tensor y = embedding(w, i);
  fill_(i, 0);  // e.g. a reused batch buffer
  CHECK_THROWS_WITH_AS(sum(y).backward(),
                       doctest::Contains("IndexSelectBackward: a tensor of shape [2] saved for "
                                         "backward was modified by an in-place operation"),
                       Error);
}
