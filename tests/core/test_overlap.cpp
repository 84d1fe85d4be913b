// In-place ops refuse destinations and inputs that share memory other than element for
// element (Note [In-place overlap]), as PyTorch; same-layout aliases and disjoint views work.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "liandan/core/core.hpp"

using namespace liandan;
using core::Tensor;

namespace {

Tensor iota(const Shape& shape) {
  return Tensor::arange(0, static_cast<double>(shape.numel())).reshape(shape);
}

// Every in-place op of core that reads an input, as (name, op).
using Inplace = std::function<void(const Tensor& self, const Tensor& input)>;
const std::vector<std::pair<std::string, Inplace>> kInplace = {
    {"add_", [](const Tensor& s, const Tensor& i) { core::add_(s, i); }},
    {"mul_", [](const Tensor& s, const Tensor& i) { core::mul_(s, i); }},
    {"copy_", [](const Tensor& s, const Tensor& i) { s.copy_(i); }},
};

}  // namespace

TEST_CASE("add_ mul_ copy_: an input overlapping the destination elsewhere is refused") {
  for (const auto& [name, op] : kInplace) {
    CAPTURE(name);
    const std::string partial = name +
                                ": unsupported operation: some elements of the input tensor "
                                "(shape [3,3], strides [1,3]) and the written-to tensor (shape "
                                "[3,3], strides [3,1]) refer to a single memory location; clone() "
                                "the input first";
    const Tensor x = iota({3, 3});
    CHECK_THROWS_WITH_AS(op(x, x.transpose(0, 1)), partial.c_str(), Error);
    CHECK(x.to_vector<float>() == iota({3, 3}).to_vector<float>());  // refused before writing
    // overlapping slices of one buffer (x[1:] op= x[:-1])
    const Tensor v = iota({6});
    CHECK_THROWS_WITH_AS(op(v.slice(0, 1, 6), v.slice(0, 0, 5)),
                         doctest::Contains("some elements of the input tensor (shape [5], "
                                           "strides [1]) and the written-to tensor (shape [5]"),
                         Error);
    // a row of the destination broadcast over it (x op= x[0])
    CHECK_THROWS_WITH_AS(op(x, x.select(0, 0)), doctest::Contains("refer to a single memory"),
                         Error);
  }
}

TEST_CASE("add_ mul_ copy_: a destination with two elements at one address is refused") {
  for (const auto& [name, op] : kInplace) {
    CAPTURE(name);
    const Tensor base = Tensor::zeros({1, 3});
    const std::string internal = name +
                                 ": unsupported operation: more than one element of the "
                                 "written-to tensor (shape [4,3], strides [0,1]) refers to a "
                                 "single memory location (an expand() or an overlapping view); "
                                 "clone() it first";
    CHECK_THROWS_WITH_AS(op(base.expand({4, 3}), Tensor::ones({4, 3})), internal.c_str(), Error);
    CHECK_THROWS_WITH_AS(op(base.expand({4, 3}), Tensor::ones({3})), internal.c_str(), Error);
    // an as_strided view whose rows overlap: offsets 0 1 | 1 2 | 2 3
    const Tensor flat = Tensor::zeros({4});
    const Tensor rows = Tensor::as_strided(flat.storage(), {3, 2}, {1, 1}, 0, DType::f32);
    CHECK(core::has_internal_overlap(rows));
    CHECK_THROWS_WITH_AS(op(rows, Tensor::ones({3, 2})), doctest::Contains("more than one element"),
                         Error);
    CHECK(flat.to_vector<float>() == std::vector<float>{0, 0, 0, 0});
  }
}

TEST_CASE("add_ mul_ copy_ fill_: aliases element for element and disjoint views are fine") {
  const Tensor x = iota({2, 3});
  core::add_(x, x);  // the input is the destination
  CHECK(x.to_vector<float>() == std::vector<float>{0, 2, 4, 6, 8, 10});
  core::mul_(x, x.view({2, 3}));  // another view with the same layout
  CHECK(x.to_vector<float>() == std::vector<float>{0, 4, 16, 36, 64, 100});
  x.copy_(x.reshape({2, 3}));
  CHECK(x.to_vector<float>() == std::vector<float>{0, 4, 16, 36, 64, 100});
  // even and odd elements of one buffer do not overlap
  const Tensor v = iota({6});
  v.slice(0, 0, 6, 2).copy_(v.slice(0, 1, 6, 2));
  CHECK(v.to_vector<float>() == std::vector<float>{1, 1, 3, 3, 5, 5});
  core::add_(v.slice(0, 0, 3), v.slice(0, 3, 6));  // halves of one buffer
  CHECK(v.to_vector<float>() == std::vector<float>{4, 6, 8, 3, 5, 5});
  // transposed destination, input of its own
  const Tensor t = iota({2, 3});
  core::add_(t.transpose(0, 1), Tensor::ones({3, 2}));
  CHECK(t.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  // fill_ and zero_ read nothing and write one value: allowed on an expand, as PyTorch
  const Tensor base = Tensor::zeros({1, 3});
  base.expand({4, 3}).fill_(2);
  CHECK(base.to_vector<float>() == std::vector<float>{2, 2, 2});
  base.expand({4, 3}).zero_();
  CHECK(base.to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK_FALSE(core::has_internal_overlap(iota({2, 3}).permute({1, 0}).slice(0, 0, 3, 2)));
}
