// core::Tensor: factories, views, copies and their error messages.
#include <doctest/doctest.h>

#include "liandan/core/core.hpp"

using namespace liandan;
using core::Tensor;

TEST_CASE("Tensor::arange, view, permute, contiguous") {
  Tensor x = Tensor::arange(0, 24).view({2, 3, 4});
  CHECK(x.is_contiguous());
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK_FALSE(p.is_contiguous());
  CHECK(p.storage() == x.storage());
  const std::vector<float> v = p.contiguous().to_vector<float>();
  // p[i][j][k] = x[j][k][i] = 12 j + 4 k + i
  CHECK(v[0] == 0);
  CHECK(v[1] == 4);
  CHECK(v[3] == 12);
  CHECK(v[6] == 1);
}
