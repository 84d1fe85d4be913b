// Helpers for the autograd suites: random f64 leaves and the first- and second-order checks.
#pragma once

#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"

namespace liandan::test {

// A random normal f64 leaf that requires grad.
inline Tensor rnd(const Shape& shape) {
  return randn(shape, {.dtype = DType::f64, .requires_grad = true});
}

// gradcheck and gradgradcheck of f at inputs; failures show the mismatching element.
inline void check_grads(const autograd::Function& f, const std::vector<Tensor>& inputs) {
  const auto r1 = autograd::gradcheck(f, inputs);
  CHECK_MESSAGE(r1.ok, r1.message);
  const auto r2 = autograd::gradgradcheck(f, inputs);
  CHECK_MESSAGE(r2.ok, r2.message);
}

}  // namespace liandan::test
