// core/indexing: embedding, index_select, index_add, gather, scatter_add, one_hot against
// PyTorch (tests/fixtures/gen_indexing.py), reference loops at parallel sizes, determinism and
// error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using doctest::Contains;

namespace {

const test::Fixture& fixture() {
  static const test::Fixture f("indexing");
  return f;
}

// Input `name` of a case; inputs stored as `name_t` are transposed (dims 0, 1) back into a
// non-contiguous view, as gen_indexing.py describes.
Tensor input(const std::string& c, const std::string& name, bool transposed) {
  return transposed ? fixture().tensor(c + "/" + name + "_t").transpose(0, 1)
                    : fixture().tensor(c + "/" + name);
}

std::int64_t dim_of(const std::string& c) {
  return static_cast<std::int64_t>(fixture().attr(c, "dim"));
}

struct Variant {
  const char* name;
  bool transposed;
};
constexpr Variant kVariants[] = {
    {"dim0", false}, {"dim1", false}, {"dimneg", false}, {"f64", false}, {"perm", true}};

// Deterministic values of varied magnitude (so summation order shows in the low bits).
Tensor pattern(const Shape& shape, std::uint64_t seed = 1) {
  std::vector<float> v(shape.numel());
  for (std::size_t i = 0; i < v.size(); ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(seed >> 11) / 9007199254740992.0;  // [0, 1)
    v[i] = static_cast<float>((u - 0.5) * std::pow(10.0, static_cast<int>(i % 5) - 2));
  }
  return Tensor::from<float>(v, shape);
}

// Indices in [0, n), with many duplicates.
Tensor random_index(const Shape& shape, std::int64_t n, std::uint64_t seed = 7) {
  std::vector<std::int64_t> v(shape.numel());
  for (auto& x : v) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<std::int64_t>((seed >> 33) % static_cast<std::uint64_t>(n));
  }
  return Tensor::from<std::int64_t>(v, shape);
}

void expect_equal(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  CHECK(a.to_vector<float>() == b.to_vector<float>());
}

// Runs f with n OpenMP threads, restoring the previous count.
template <typename F>
Tensor with_threads(int n, F f) {
  const int before = core::num_threads();
  core::set_num_threads(n);
  Tensor out = f();
  core::set_num_threads(before);
  return out;
}

}  // namespace

TEST_CASE("embedding: vs PyTorch (f32, f64, duplicate indices)") {
  for (const std::string c : {"embedding", "embedding_f64"}) {
    CAPTURE(c);
    const Tensor out =
        core::embedding(fixture().tensor(c + "/weight"), fixture().tensor(c + "/indices"));
    test::expect_close(out, fixture().tensor(c + "/out"));
  }
}

TEST_CASE("embedding: transposed weight, 0-dim and empty indices") {
  const Tensor w = Tensor::arange(0, 12).view({3, 4}).transpose(0, 1);  // w[i][j] = 4 j + i
  expect_equal(core::embedding(w, Tensor::from<std::int64_t>({3, 0}, {2})),
               Tensor::from<float>({3, 7, 11, 0, 4, 8}, {2, 3}));
  expect_equal(core::embedding(w, Tensor::scalar(2, DType::i64)),
               Tensor::from<float>({2, 6, 10}, {3}));
  CHECK(core::embedding(w, Tensor::empty({2, 0}, DType::i64)).shape() == Shape{2, 0, 3});
}

TEST_CASE("index_select: dims 0, middle, last, f64 and permuted input vs PyTorch") {
  for (const Variant v : kVariants) {
    const std::string c = std::string("index_select_") + v.name;
    CAPTURE(c);
    const Tensor out =
        core::index_select(input(c, "x", v.transposed), dim_of(c), fixture().tensor(c + "/index"));
    test::expect_close(out, fixture().tensor(c + "/out"));
    CHECK(out.is_contiguous());
  }
}

TEST_CASE(
    "index_add: duplicate indices, dims 0, middle, last, f64 and permuted inputs vs PyTorch") {
  for (const Variant v : kVariants) {
    const std::string c = std::string("index_add_") + v.name;
    CAPTURE(c);
    const Tensor x = input(c, "x", v.transposed), src = input(c, "src", v.transposed);
    const Tensor out = core::index_add(x, dim_of(c), fixture().tensor(c + "/index"), src);
    test::expect_close(out, fixture().tensor(c + "/out"));
    CHECK(out.is_contiguous());
  }
}

TEST_CASE("gather: dims 0, middle, last, f64 and permuted input vs PyTorch") {
  for (const Variant v : kVariants) {
    const std::string c = std::string("gather_") + v.name;
    CAPTURE(c);
    const Tensor out =
        core::gather(input(c, "x", v.transposed), dim_of(c), fixture().tensor(c + "/index"));
    test::expect_close(out, fixture().tensor(c + "/out"));
  }
}

TEST_CASE("scatter_add: duplicate indices, src larger than index, permuted input vs PyTorch") {
  for (const Variant v : kVariants) {
    const std::string c = std::string("scatter_add_") + v.name;
    CAPTURE(c);
    const Tensor out =
        core::scatter_add(input(c, "x", v.transposed), dim_of(c), fixture().tensor(c + "/index"),
                          fixture().tensor(c + "/src"));
    test::expect_close(out, fixture().tensor(c + "/out"));
  }
}

TEST_CASE("one_hot: inferred and given num_classes vs PyTorch") {
  for (const std::string c : {"one_hot_infer", "one_hot_7"}) {
    CAPTURE(c);
    const auto n = static_cast<std::int64_t>(fixture().attr(c, "num_classes"));
    const Tensor out = core::one_hot(fixture().tensor(c + "/indices"), n);
    CHECK(out.dtype() == DType::i64);
    test::expect_close(out, fixture().tensor(c + "/out"));
  }
}

TEST_CASE("index_select, gather, index_add, scatter_add, one_hot: zero-size dims") {
  const Tensor x = pattern({4, 3});
  const Tensor none = Tensor::empty({0}, DType::i64);
  CHECK(core::index_select(x, 0, none).shape() == Shape{0, 3});
  CHECK(core::index_select(Tensor::empty({0, 3}), 1, Tensor::from<std::int64_t>({2, 0}, {2}))
            .shape() == Shape{0, 2});
  CHECK(core::gather(x, 1, Tensor::empty({0, 3}, DType::i64)).shape() == Shape{0, 3});
  expect_equal(core::index_add(x, 0, none, Tensor::empty({0, 3})), x);
  expect_equal(core::scatter_add(x, 1, Tensor::empty({4, 0}, DType::i64), x), x);
  CHECK(core::one_hot(none, 3).shape() == Shape{0, 3});
}

TEST_CASE("index_select, index_add: a 0-dim index acts as one index") {
  const Tensor x = Tensor::arange(0, 6).view({2, 3});
  const Tensor i = Tensor::scalar(2, DType::i64);
  expect_equal(core::index_select(x, 1, i), Tensor::from<float>({2, 5}, {2, 1}));
  expect_equal(core::index_add(x, 1, i, Tensor::ones({2, 1})),
               Tensor::from<float>({0, 1, 3, 3, 4, 6}, {2, 3}));
}

TEST_CASE("index_add: dim 0 at parallel size equals the sequential reference loop") {
  const std::int64_t V = 400, D = 300, N = 1000;  // src (N, D): 300k elements
  const Tensor x = pattern({V, D}, 3), src = pattern({N, D}, 4), index = random_index({N}, V);
  const Tensor out = core::index_add(x, 0, index, src);
  std::vector<float> ref = x.to_vector<float>();
  const std::vector<float> s = src.to_vector<float>();
  const std::vector<std::int64_t> ix = index.to_vector<std::int64_t>();
  for (std::int64_t j = 0; j < N; ++j)
    for (std::int64_t c = 0; c < D; ++c) ref[ix[j] * D + c] += s[j * D + c];
  CHECK(out.to_vector<float>() == ref);  // same summation order: bit-identical
}

TEST_CASE("index_select, gather, scatter_add: parallel sizes equal reference loops") {
  const std::int64_t R = 300, C = 400, M = 500;
  const Tensor x = pattern({R, C}, 5);
  const std::vector<float> xv = x.to_vector<float>();

  const Tensor cols = random_index({M}, C);  // index_select along the last dim
  const std::vector<std::int64_t> cv = cols.to_vector<std::int64_t>();
  std::vector<float> ref(R * M);
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t j = 0; j < M; ++j) ref[r * M + j] = xv[r * C + cv[j]];
  CHECK(core::index_select(x, -1, cols).to_vector<float>() == ref);

  const Tensor index = random_index({R, M}, C, 11);  // gather along dim 1
  const std::vector<std::int64_t> iv = index.to_vector<std::int64_t>();
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t j = 0; j < M; ++j) ref[r * M + j] = xv[r * C + iv[r * M + j]];
  CHECK(core::gather(x, 1, index).to_vector<float>() == ref);

  const Tensor src = pattern({R, M}, 6);  // scatter_add along dim 1, index order per row
  const std::vector<float> sv = src.to_vector<float>();
  std::vector<float> acc = xv;
  for (std::int64_t r = 0; r < R; ++r)
    for (std::int64_t j = 0; j < M; ++j) acc[r * C + iv[r * M + j]] += sv[r * M + j];
  CHECK(core::scatter_add(x, 1, index, src).to_vector<float>() == acc);

  // dim 0 over a transposed (non-contiguous) input: x.t() is (C, R)
  const Tensor rows = random_index({M, R}, C, 13);
  const std::vector<std::int64_t> rv = rows.to_vector<std::int64_t>();
  std::vector<float> g(M * R);
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t r = 0; r < R; ++r) g[i * R + r] = xv[r * C + rv[i * R + r]];
  CHECK(core::gather(x.transpose(0, 1), 0, rows).to_vector<float>() == g);
}

TEST_CASE("index_add, scatter_add: bit-identical results for 1 and 2 threads") {
  const Tensor x = pattern({64, 2048}, 8), src = pattern({4096, 2048}, 9);
  const Tensor index = random_index({4096}, 64);
  const auto add = [&] { return core::index_add(x, 0, index, src); };
  expect_equal(with_threads(1, add), with_threads(2, add));

  const Tensor sx = pattern({256, 300}, 10), ssrc = pattern({1024, 300}, 12);
  const Tensor sindex = random_index({1024, 300}, 256, 14);
  const auto scatter = [&] { return core::scatter_add(sx, 0, sindex, ssrc); };
  expect_equal(with_threads(1, scatter), with_threads(2, scatter));
}

TEST_CASE("embedding, index_select, index_add: error messages name op, index and shapes") {
  const Tensor w = pattern({10, 4});
  CHECK_THROWS_WITH_AS(core::embedding(w, Tensor::from<std::int64_t>({1, 10}, {2})),
                       Contains("embedding: index 10 out of range for dim 0 of size 10 (input "
                                "shape [10,4], index shape [2])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::embedding(pattern({10}), Tensor::from<std::int64_t>({1}, {1})),
                       Contains("embedding: weight must be 2-D (V, D), got shape [10]"), Error);
  CHECK_THROWS_WITH_AS(core::embedding(w, Tensor::from<float>({1}, {1})),
                       Contains("embedding: index must be i64, got f32 (index shape [1])"), Error);
  CHECK_THROWS_WITH_AS(core::index_select(w, 1, Tensor::from<std::int64_t>({0, -1}, {2})),
                       Contains("index_select: index -1 out of range for dim 1 of size 4 (input "
                                "shape [10,4], index shape [2])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::index_select(w, 0, Tensor::zeros({2, 2}, DType::i64)),
                       Contains("index_select: index must be 1-D, got shape [2,2]"), Error);
  CHECK_THROWS_WITH_AS(core::index_select(w, 2, Tensor::zeros({2}, DType::i64)),
                       Contains("index_select: dim 2 out of range for a tensor of 2 dims"), Error);
  CHECK_THROWS_WITH_AS(
      core::index_select(Tensor::scalar(1), 0, Tensor::zeros({1}, DType::i64)),
      Contains("index_select: expected a tensor with at least one dim, got shape []"), Error);
  const Tensor two = Tensor::from<std::int64_t>({0, 9}, {2});
  CHECK_THROWS_WITH_AS(core::index_add(w, 0, two, pattern({3, 4})),
                       Contains("index_add: src shape [3,4] must be [2,4] (input shape [10,4] with "
                                "dim 0 of size 2, one per index)"),
                       Error);
  CHECK_THROWS_WITH_AS(core::index_add(w, 0, two, Tensor::zeros({2, 4}, DType::f64)),
                       Contains("index_add: src is f64 but input is f32 (shapes [2,4] and [10,4])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::index_add(w, -1, two, pattern({10, 2})),
                       Contains("index_add: index 9 out of range for dim 1 of size 4"), Error);
}

TEST_CASE("gather, scatter_add, one_hot: error messages name op, index and shapes") {
  const Tensor x = pattern({3, 4});
  CHECK_THROWS_WITH_AS(core::gather(x, 1, Tensor::from<std::int64_t>({0, 5, 1, 2, 3, 0}, {3, 2})),
                       Contains("gather: index 5 out of range for dim 1 of size 4 (input shape "
                                "[3,4], index shape [3,2])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::gather(x, 0, Tensor::zeros({2}, DType::i64)),
                       Contains("gather: index shape [2] and input shape [3,4] differ in rank"),
                       Error);
  CHECK_THROWS_WITH_AS(core::gather(x, 0, Tensor::zeros({2, 5}, DType::i64)),
                       Contains("gather: index shape [2,5] exceeds input shape [3,4] at dim 1"),
                       Error);
  CHECK_THROWS_WITH_AS(core::scatter_add(x, 0, Tensor::zeros({2, 4}, DType::i64), pattern({2, 3})),
                       Contains("scatter_add: index shape [2,4] exceeds src shape [2,3] at dim 1"),
                       Error);
  CHECK_THROWS_WITH_AS(
      core::scatter_add(x, 0, Tensor::full({1, 1}, 3, DType::i64), pattern({1, 1})),
      Contains("scatter_add: index 3 out of range for dim 0 of size 3 (input shape [3,4], index "
               "shape [1,1])"),
      Error);
  CHECK_THROWS_WITH_AS(
      core::scatter_add(Tensor::zeros({2}, DType::b8), 0, Tensor::zeros({1}, DType::i64),
                        Tensor::zeros({1}, DType::b8)),
      Contains("scatter_add: expected a numeric dtype"), Error);
  CHECK_THROWS_WITH_AS(core::one_hot(Tensor::from<std::int64_t>({1, 3}, {2}), 3),
                       Contains("one_hot: index 3 out of range for 3 classes (indices shape [2])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::one_hot(Tensor::from<std::int64_t>({-1, 1}, {2})),
                       Contains("one_hot: index -1 out of range for 2 classes"), Error);
  CHECK_THROWS_WITH_AS(
      core::one_hot(Tensor::empty({0, 2}, DType::i64)),
      Contains("one_hot: cannot infer num_classes from empty indices of shape [0,2]"), Error);
}
