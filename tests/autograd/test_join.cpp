// Joining ops: cat, stack, split, chunk, tril, triu — forward against core, first and second
// derivatives against finite differences, views, errors.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/join.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

// Every piece squared (so second derivatives run through each op's backward), then cat'ed flat.
std::vector<Tensor> squared(const std::vector<Tensor>& ys) {
  std::vector<Tensor> out;
  for (const Tensor& y : ys) out.push_back(y * y);
  return out;
}

}  // namespace

TEST_CASE("cat: forward matches core; gradients on dims 0, 1, -1 with an input not needing grad") {
  const Tensor a = rnd({2, 3}), b = rnd({2, 1}), c = rnd({2, 2});
  CHECK(cat({a, b, c}, -1).to_vector<double>() ==
        core::cat({a.data(), b.data(), c.data()}, -1).to_vector<double>());
  check_grads([](const std::vector<Tensor>& in) { return squared({cat(in, 1)}); }, {a, b, c});
  check_grads([](const std::vector<Tensor>& in) { return squared({cat(in, -1)}); }, {a, b, c});
  const Tensor d = rnd({1, 3});
  const Tensor fixed = randn({3, 3}, {.dtype = DType::f64});
  check_grads(
      [&](const std::vector<Tensor>& in) {
        return squared({cat({in[0], fixed, in[1]}, 0)});
      },
      {a, d});
}

TEST_CASE("stack: forward matches core; gradients on dims 0, -1") {
  const Tensor a = rnd({2, 3}), b = rnd({2, 3});
  const Tensor y = stack({a, b}, -1);
  CHECK(y.shape() == Shape{2, 3, 2});
  CHECK(y.to_vector<double>() == core::stack({a.data(), b.data()}, -1).to_vector<double>());
  check_grads([](const std::vector<Tensor>& in) { return squared({stack(in, 0)}); }, {a, b});
  check_grads([](const std::vector<Tensor>& in) { return squared({stack(in, -1)}); }, {a, b});
}

TEST_CASE("split and chunk: views with core's piece sizes; gradients of every piece") {
  const Tensor x = rnd({5, 4});
  const auto pieces = split(x, 2, 0);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[2].shape() == Shape{1, 4});
  CHECK(pieces[1].data().storage() == x.data().storage());
  CHECK(pieces[1].to_vector<double>() == core::split(x.data(), 2, 0)[1].to_vector<double>());
  const auto chunks = chunk(x, 3, -1);  // 4 columns in 3 chunks: sizes 2, 2
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[1].to_vector<double>() == core::chunk(x.data(), 3, -1)[1].to_vector<double>());
  check_grads([](const std::vector<Tensor>& in) { return squared(split(in[0], 2, 0)); }, {x});
  check_grads([](const std::vector<Tensor>& in) { return squared(chunk(in[0], 3, -1)); }, {x});
  // only some pieces used: the others get zero gradient
  sum(split(x, 2, 0)[1]).backward();
  const auto g = x.grad().to_vector<double>();
  for (int i = 0; i < 20; ++i) CHECK(g[i] == (i >= 8 && i < 16 ? 1.0 : 0.0));
}

TEST_CASE("tril and triu: forward matches core; gradients for k = 0, 1, -1 on a batch") {
  const Tensor x = rnd({2, 3, 4});
  for (std::int64_t k : {0, 1, -1}) {
    CAPTURE(k);
    CHECK(tril(x, k).to_vector<double>() == core::tril(x.data(), k).to_vector<double>());
    CHECK(triu(x, k).to_vector<double>() == core::triu(x.data(), k).to_vector<double>());
    check_grads([k](const std::vector<Tensor>& in) { return squared({tril(in[0], k)}); }, {x});
    check_grads([k](const std::vector<Tensor>& in) { return squared({triu(in[0], k)}); }, {x});
  }
}

TEST_CASE("join ops: errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(cat({rnd({2, 3}), rnd({3, 2})}, 0),
                       doctest::Contains("cat: tensor 1 has shape [3,2] but tensor 0 has [2,3]"),
                       Error);
  CHECK_THROWS_WITH_AS(stack({rnd({2, 3}), rnd({2, 2})}, 0),
                       doctest::Contains("stack: tensor 1 has shape [2,2] but tensor 0 has [2,3]"),
                       Error);
  CHECK_THROWS_WITH_AS(split(rnd({2, 3}), 0, 1), doctest::Contains("split: split_size"), Error);
  CHECK_THROWS_WITH_AS(tril(rnd({3})), doctest::Contains("tril"), Error);
}
