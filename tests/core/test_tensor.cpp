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

TEST_CASE("Tensor::view and reshape: -1 inference, view of strided data, copy when needed") {
  const Tensor x = Tensor::arange(0, 24).view({2, -1, 4});
  CHECK(x.shape() == Shape{2, 3, 4});
  const Tensor t = x.transpose(0, 2);  // (4, 3, 2), not viewable as flat
  CHECK_THROWS_WITH_AS(t.view({24}),
                       "view: cannot view shape [4,3,2] with strides [1,4,12] as [24] without a "
                       "copy; use reshape",
                       Error);
  const Tensor r = t.reshape({24});
  CHECK(r.storage() != x.storage());
  CHECK(r.to_vector<float>()[1] == 12);
  // Splitting a dim of a transposed tensor is still a view.
  const Tensor split = t.view({2, 2, 3, 2});
  CHECK(split.storage() == x.storage());
  CHECK(split.contiguous().to_vector<float>() == t.contiguous().to_vector<float>());
  CHECK_THROWS_WITH_AS(x.view({5, -1}), "view: shape [5,-1] is invalid for input of shape [2,3,4]",
                       Error);
  CHECK_THROWS_WITH_AS(x.view({-1, -1}), "view: shape [-1,-1] has more than one -1", Error);
  CHECK(Tensor::scalar(3).view({1, 1}).shape() == Shape{1, 1});
  CHECK(Tensor::zeros({0, 5}).view({5, 0}).shape() == Shape{5, 0});
}

TEST_CASE("Tensor::slice, narrow, select: Python bounds, steps, errors") {
  const Tensor x = Tensor::arange(0, 10);
  CHECK(x.slice(0, 2, 8, 3).to_vector<float>() == std::vector<float>{2, 5});
  CHECK(x.slice(0, -3, 100).to_vector<float>() == std::vector<float>{7, 8, 9});
  CHECK(x.slice(0, 8, 2).numel() == 0);
  CHECK(x.narrow(0, -2, 2).to_vector<float>() == std::vector<float>{8, 9});
  CHECK(x.select(0, -1).item() == 9);
  CHECK(x.select(0, 3).dim() == 0);
  CHECK_THROWS_WITH_AS(x.narrow(0, 8, 3),
                       "narrow: start 8 length 3 out of range for dim 0 of size 10 (shape [10])",
                       Error);
  CHECK_THROWS_WITH_AS(x.select(0, 10),
                       "select: index 10 out of range for dim 0 of size 10 (shape [10])", Error);
  CHECK_THROWS_WITH_AS(x.slice(0, 0, 5, 0), "slice: step must be positive, got 0", Error);
  CHECK_THROWS_WITH_AS(x.slice(1, 0, 5), "slice: dim 1 out of range for a tensor of 1 dims", Error);
}

TEST_CASE("Tensor::expand, squeeze, unsqueeze, flatten, permute errors") {
  const Tensor x = Tensor::arange(0, 3).view({3, 1});
  const Tensor e = x.expand({2, 3, 4});
  CHECK(e.strides() == Strides{0, 1, 0});
  CHECK(e.contiguous().to_vector<float>()[5] == 1);
  CHECK(x.expand({-1, 2}).shape() == Shape{3, 2});
  CHECK_THROWS_WITH_AS(x.expand({2, 2}),
                       "expand: shape [3,1] cannot expand to [2,2] (dim 0: 3 vs 2)", Error);
  CHECK(x.squeeze().shape() == Shape{3});
  CHECK(x.squeeze(0).shape() == Shape{3, 1});
  CHECK(x.unsqueeze(-1).shape() == Shape{3, 1, 1});
  CHECK(x.unsqueeze(0).shape() == Shape{1, 3, 1});
  CHECK(Tensor::zeros({2, 3, 4}).flatten(1).shape() == Shape{2, 12});
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), "permute: dim 0 repeated in [0,0]", Error);
  CHECK_THROWS_WITH_AS(x.permute({0}), "permute: 1 dims given for a tensor of shape [3,1]", Error);
}

TEST_CASE("Tensor::copy_, to, clone, fill_, item, from: conversion, broadcasting and errors") {
  const Tensor d = Tensor::zeros({2, 3}, DType::f64);
  d.copy_(Tensor::arange(0, 3));  // f32 row broadcast into f64
  CHECK(d.to_vector<double>() == std::vector<double>{0, 1, 2, 0, 1, 2});
  CHECK(d.to(DType::i64).to_vector<std::int64_t>()[2] == 2);
  CHECK(d.to(DType::b8).to_vector<bool>() ==
        std::vector<bool>{false, true, true, false, true, true});
  const Tensor c = d.clone();
  c.fill_(7);
  CHECK(d.to_vector<double>()[0] == 0);  // the clone does not share storage
  CHECK(c.select(0, 1).select(0, 2).item() == 7);
  CHECK_THROWS_WITH_AS(d.item(), "item: tensor of shape [2,3] has 6 elements, not 1", Error);
  CHECK_THROWS_WITH_AS(d.copy_(Tensor::zeros({4})),
                       "copy_: shapes [2,3] and [4] do not broadcast (dim 1: 3 vs 4)", Error);
  CHECK_THROWS_WITH_AS(Tensor::from<float>({1, 2, 3}, {2, 2}),
                       "from: 3 values do not fill shape [2,2] (4 elements)", Error);
  CHECK_THROWS_WITH_AS(d.data<float>(), "data: tensor is f64, requested f32", Error);
  CHECK_THROWS_WITH_AS(Tensor::empty({2, -1}), "empty: negative size in shape [2,-1]", Error);
  CHECK(Tensor::arange(0, 1, 0.25).numel() == 4);
  CHECK(fmt::format("{}", Tensor::arange(0, 3)) == "Tensor([3] f32 [0, 1, 2])");
}

TEST_CASE("Tensor::as_strided: a view reaching outside its storage is an error") {
  const Tensor x = Tensor::zeros({4});
  CHECK_THROWS_WITH_AS(Tensor::as_strided(x.storage(), {3}, {2}, 0, DType::f32),
                       "as_strided: shape [3] strides [2] offset 0 reach outside a storage of 4 "
                       "elements",
                       Error);
  CHECK(Tensor::as_strided(x.storage(), {2}, {2}, 1, DType::f32).numel() == 2);
}

TEST_CASE("allocator: 64-byte aligned blocks, reused from the cache, stats and empty_cache") {
  empty_cache();
  const std::size_t cached0 = allocator_stats().bytes_cached;
  CHECK(cached0 == 0);
  std::uintptr_t first = 0;
  {
    const Tensor a = Tensor::empty({1000});
    first = reinterpret_cast<std::uintptr_t>(a.raw_data());
    CHECK(first % kAlignment == 0);
    CHECK(allocator_stats().bytes_in_use >= 4000);
  }
  [[maybe_unused]] const auto hits = allocator_stats().cache_hits;
  const Tensor b = Tensor::empty({990});  // same size class
#ifndef __SANITIZE_ADDRESS__              // under ASan blocks go straight back to the system
  CHECK(reinterpret_cast<std::uintptr_t>(b.raw_data()) == first);
  CHECK(allocator_stats().cache_hits == hits + 1);
#endif
  empty_cache();
  CHECK(allocator_stats().bytes_cached == 0);
}

TEST_CASE("set_num_threads: validates and takes effect") {
  const int saved = core::num_threads();
  core::set_num_threads(1);
  CHECK(core::num_threads() == 1);
  core::set_num_threads(saved);
  CHECK_THROWS_WITH_AS(core::set_num_threads(0), "set_num_threads: need at least one thread, got 0",
                       Error);
}

TEST_CASE("Tensor::can_view: true exactly when view succeeds") {
  const Tensor x = Tensor::arange(0, 24).view({2, 3, 4});
  CHECK(x.can_view({6, 4}));
  CHECK(x.transpose(0, 2).can_view({2, 2, 3, 2}));
  CHECK_FALSE(x.transpose(0, 2).can_view({24}));
  CHECK_FALSE(x.transpose(1, 2).can_view({6, 4}));
}
