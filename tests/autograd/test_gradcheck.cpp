// gradcheck and gradgradcheck: they accept correct gradients and reject wrong ones, including
// a first-order gradient computed outside the graph (right values, no second derivative).
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::rnd;

namespace {

// y = x^2 with the right first derivative 2 g x, but computed on raw data: the gradient is
// detached, so double backward through it sees a constant.
struct DetachedSquareBackward final : Node {
  DetachedSquareBackward() : Node("DetachedSquareBackward") {}
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {Tensor(core::mul(core::mul(g[0].data(), x.unpack(*this).data()), 2.0))};
  }
  void release_saved() override { x.reset(); }
};

Tensor detached_square(const Tensor& x) {
  Tensor out = make_result(core::mul(x.data(), x.data()));
  if (auto node = record<DetachedSquareBackward>({x}, {out})) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace

TEST_CASE("gradgradcheck: a backward that returns a detached gradient fails") {
  const Tensor a = rnd({3}), b = rnd({2, 3});
  auto alone = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{detached_square(in[0])};
  };
  auto mixed = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{detached_square(in[0]) * in[1]};
  };
  for (const auto& f : {autograd::Function(alone), autograd::Function(mixed)}) {
    const auto first = autograd::gradcheck(f, {a, b});
    CHECK_MESSAGE(first.ok, first.message);  // the first derivative is right
    const auto second = autograd::gradgradcheck(f, {a, b});
    CHECK_FALSE(second.ok);
    CHECK_MESSAGE(second.message.find("input 0") != std::string::npos, second.message);
  }
  // the same function written with recorded ops passes both
  test::check_grads(
      [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * in[0]}; }, {a});
}

TEST_CASE("gradcheck: an output computed outside the graph is checked against zero") {
  const Tensor a = rnd({3});
  // detach(): the tape says the Jacobian is zero, finite differences say 2 a
  const auto r = autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return std::vector<Tensor>{(in[0] * in[0]).detach()}; },
      {a});
  CHECK_FALSE(r.ok);
  CHECK_MESSAGE(r.message.find("does not require grad") != std::string::npos, r.message);
  // a constant output that does not require grad is fine
  const auto c = autograd::gradcheck(
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{in[0] * 2.0, ones({2}, {.dtype = DType::f64})};
      },
      {a});
  CHECK_MESSAGE(c.ok, c.message);
}
