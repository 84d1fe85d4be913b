// NamedParameters: a model's parameters by name, in order; only defined leaves are parameters.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/autograd/named_parameters.hpp"

using namespace liandan;

TEST_CASE("NamedParameters: order of add, structured bindings, lookup shares the tensor") {
  const Tensor w = ones({2, 3}, {.requires_grad = true}), b = zeros({2}, {.requires_grad = true});
  NamedParameters params{{"fc.weight", w}};
  params.add("fc.bias", b);
  std::vector<std::string> seen;
  for (auto& [name, p] : params) {
    CHECK(p.requires_grad());
    seen.push_back(name);
  }
  CHECK(seen == std::vector<std::string>{"fc.weight", "fc.bias"});
  CHECK(params["fc.bias"].impl() == b.impl());
}

TEST_CASE("NamedParameters::add: a duplicate, an undefined tensor or a non-leaf is an error") {
  const Tensor w = ones({2}, {.requires_grad = true});
  NamedParameters params{{"w", w}};
  CHECK_THROWS_WITH_AS(params.add("w", w), "NamedParameters: duplicate name 'w'", Error);
  CHECK_THROWS_WITH_AS(params.add("v", Tensor()), "NamedParameters: parameter 'v' is undefined",
                       Error);
  CHECK_THROWS_WITH_AS(params.add("twice", w * 2.0),
                       "NamedParameters: parameter 'twice' is not a leaf (it was computed by an "
                       "op; a parameter is a tensor that ops read, as Tensor(data, true) or "
                       "x.detach().requires_grad_())",
                       Error);
  CHECK_THROWS_WITH_AS(params["b"], "NamedParameters: no parameter named 'b' (have: w)", Error);
  // A frozen parameter is still one (Module::requires_grad_(false), as in PyTorch).
  params.add("frozen", ones({2}));
  CHECK(params.size() == 2);
}
