// core/join: cat, stack, split, chunk, tril, triu against PyTorch (tests/fixtures/gen_indexing.py),
// zero-size pieces, a reference loop at a parallel size, and error messages.
#include <doctest/doctest.h>

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

std::int64_t attr(const std::string& c, const char* name) {
  return static_cast<std::int64_t>(fixture().attr(c, name));
}

// Tensors c/x0, c/x1, ... (c/x<k>_t is stored transposed: see gen_indexing.py).
std::vector<Tensor> pieces(const std::string& c, bool transposed_x1 = false) {
  std::vector<Tensor> xs;
  for (std::int64_t k = 0; k < attr(c, "n"); ++k) {
    const std::string name = c + "/x" + std::to_string(k);
    xs.push_back(transposed_x1 && k == 1 ? fixture().tensor(name + "_t").transpose(0, 1)
                                         : fixture().tensor(name));
  }
  return xs;
}

void expect_equal(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  CHECK(a.to_vector<double>() == b.to_vector<double>());
}

}  // namespace

TEST_CASE(
    "cat: dims 0, middle (with a zero-size piece), last (f64), non-contiguous piece vs PyTorch") {
  for (const std::string c : {"cat_dim0", "cat_dim1", "cat_dimneg", "cat_perm"}) {
    CAPTURE(c);
    const Tensor out = core::cat(pieces(c, c == "cat_perm"), attr(c, "dim"));
    test::expect_close(out, fixture().tensor(c + "/out"));
    CHECK(out.is_contiguous());
  }
}

TEST_CASE("cat: all-empty pieces, one piece, i64 and bool") {
  CHECK(core::cat({Tensor::empty({0, 3}), Tensor::empty({0, 3})}, 0).shape() == Shape{0, 3});
  CHECK(core::cat({Tensor::empty({2, 0}), Tensor::empty({2, 0})}, 0).shape() == Shape{4, 0});
  const Tensor a = Tensor::arange(0, 6, 1, DType::i64).view({2, 3});
  expect_equal(core::cat({a}, -1), a);
  expect_equal(core::cat({a, a}, 0),
               Tensor::from<std::int64_t>({0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}, {4, 3}));
  const Tensor b = Tensor::from<bool>({true, false}, {2});
  expect_equal(core::cat({b, b}, 0), Tensor::from<bool>({true, false, true, false}, {4}));
}

TEST_CASE("cat: parallel size equals a reference loop") {
  const Tensor a = Tensor::arange(0, 300 * 200).view({300, 200});
  const Tensor b = Tensor::arange(0, 300 * 150).view({150, 300}).transpose(0, 1);  // (300, 150)
  const std::vector<float> out = core::cat({a, b}, 1).to_vector<float>();
  bool same = out.size() == 300 * 350;
  for (std::int64_t r = 0; same && r < 300; ++r)
    for (std::int64_t c = 0; same && c < 350; ++c)
      same = out[r * 350 + c] == (c < 200 ? r * 200 + c : (c - 200) * 300 + r);
  CHECK(same);
}

TEST_CASE("stack: dims 0, 1, -1 vs PyTorch; 0-dim tensors") {
  for (const std::string c : {"stack_0", "stack_1", "stack_neg1"}) {
    CAPTURE(c);
    test::expect_close(core::stack(pieces(c), attr(c, "dim")), fixture().tensor(c + "/out"));
  }
  expect_equal(core::stack({Tensor::scalar(1), Tensor::scalar(2)}, 0),
               Tensor::from<float>({1, 2}, {2}));
}

TEST_CASE("split: by size and by sizes, views of the input") {
  const Tensor x = Tensor::arange(0, 14).view({7, 2});
  const std::vector<Tensor> p = core::split(x, 3, 0);
  REQUIRE(p.size() == 3);
  CHECK(p[0].shape() == Shape{3, 2});
  CHECK(p[2].shape() == Shape{1, 2});
  CHECK(p[2].storage() == x.storage());
  expect_equal(p[1], x.narrow(0, 3, 3));
  const std::vector<Tensor> q = core::split(x.transpose(0, 1), {2, 0, 5}, -1);
  REQUIRE(q.size() == 3);
  CHECK(q[1].shape() == Shape{2, 0});
  expect_equal(q[2], Tensor::from<float>({4, 6, 8, 10, 12, 5, 7, 9, 11, 13}, {2, 5}));
  CHECK(core::split(x, 7, 0).size() == 1);
  CHECK(core::split(x, 100, 0).size() == 1);
}

TEST_CASE("split, chunk: zero-size dims as PyTorch") {
  const Tensor e = Tensor::empty({0, 3});
  const std::vector<Tensor> s = core::split(e, 2, 0);
  REQUIRE(s.size() == 1);
  CHECK(s[0].shape() == Shape{0, 3});
  const std::vector<Tensor> c = core::chunk(e, 3, 0);
  REQUIRE(c.size() == 3);
  for (const Tensor& t : c) CHECK(t.shape() == Shape{0, 3});
}

TEST_CASE("chunk: piece counts and values vs PyTorch") {
  for (const std::string c : {"chunk_7by3", "chunk_6by4", "chunk_2by5"}) {
    CAPTURE(c);
    const std::vector<Tensor> p =
        core::chunk(fixture().tensor(c + "/x"), attr(c, "chunks"), attr(c, "dim"));
    REQUIRE(static_cast<std::int64_t>(p.size()) == attr(c, "n"));
    for (std::size_t k = 0; k < p.size(); ++k)
      test::expect_close(p[k], fixture().tensor(c + "/out" + std::to_string(k)));
  }
}

TEST_CASE("tril, triu: offsets k, batch dims, f64, transposed input vs PyTorch") {
  for (const std::string op : {"tril", "triu"}) {
    for (const std::string name : {"k0", "k1", "kneg2", "batch", "perm", "far"}) {
      const std::string c = op + "_" + name;
      CAPTURE(c);
      const Tensor x = name == "perm" ? fixture().tensor(c + "/x_t").transpose(0, 1)
                                      : fixture().tensor(c + "/x");
      const std::int64_t k = attr(c, "k");
      test::expect_close(op == "tril" ? core::tril(x, k) : core::triu(x, k),
                         fixture().tensor(c + "/out"));
    }
  }
}

TEST_CASE("tril, triu: zero-size dims, huge k, and a parallel size vs a reference loop") {
  CHECK(core::tril(Tensor::empty({2, 0, 3})).shape() == Shape{2, 0, 3});
  CHECK(core::triu(Tensor::empty({3, 0})).shape() == Shape{3, 0});
  const Tensor small = Tensor::ones({2, 3}, DType::i64);
  expect_equal(core::tril(small, INT64_MAX), small);
  expect_equal(core::triu(small, INT64_MIN), small);
  expect_equal(core::tril(small, INT64_MIN), Tensor::zeros({2, 3}, DType::i64));

  const std::int64_t B = 3, R = 200, C = 300, k = 17;  // 180k elements
  const Tensor x = Tensor::arange(1, B * R * C + 1).view({B, R, C});
  const std::vector<float> lo = core::tril(x, k).to_vector<float>();
  const std::vector<float> up = core::triu(x, k).to_vector<float>();
  bool same = true;
  for (std::int64_t i = 0; same && i < B * R * C; ++i) {
    const std::int64_t r = i / C % R, c = i % C;
    same = lo[i] == (c - r <= k ? i + 1 : 0) && up[i] == (c - r >= k ? i + 1 : 0);
  }
  CHECK(same);
}

TEST_CASE("cat, stack: error messages name op and shapes") {
  CHECK_THROWS_WITH_AS(core::cat({Tensor::zeros({2, 3}), Tensor::zeros({2, 4})}, 0),
                       Contains("cat: tensor 1 has shape [2,4] but tensor 0 has [2,3] (dims other "
                                "than 0 must match)"),
                       Error);
  CHECK_THROWS_WITH_AS(core::cat({Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 1})}, 1),
                       Contains("cat: tensor 1 has shape [2,3,1] but tensor 0 has [2,3]"), Error);
  CHECK_THROWS_WITH_AS(core::cat({Tensor::zeros({2}), Tensor::zeros({2}, DType::f64)}, 0),
                       Contains("cat: tensor 1 is f64 but tensor 0 is f32 (dtypes must match)"),
                       Error);
  CHECK_THROWS_WITH_AS(core::cat({}, 0), Contains("cat: expected a non-empty list of tensors"),
                       Error);
  CHECK_THROWS_WITH_AS(core::cat({Tensor::scalar(1)}, 0),
                       Contains("cat: cannot concatenate 0-dim tensors (tensor 0 has shape [])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::cat({Tensor::zeros({2, 3})}, 2),
                       Contains("cat: dim 2 out of range for a tensor of 2 dims"), Error);
  CHECK_THROWS_WITH_AS(core::stack({Tensor::zeros({2, 3}), Tensor::zeros({3, 2})}, 0),
                       Contains("stack: tensor 1 has shape [3,2] but tensor 0 has [2,3] (shapes "
                                "must match)"),
                       Error);
}

TEST_CASE("split, chunk, tril: error messages name op and shapes") {
  const Tensor x = Tensor::zeros({5, 2});
  CHECK_THROWS_WITH_AS(core::split(x, {2, 2}, 0),
                       Contains("split: sizes [2,2] sum to 4 but dim 0 of shape [5,2] has size 5"),
                       Error);
  CHECK_THROWS_WITH_AS(core::split(x, {6, -1}, 0), Contains("split: negative size in [6,-1]"),
                       Error);
  CHECK_THROWS_WITH_AS(core::split(x, 0, 1),
                       Contains("split: split_size must be positive, got 0 (dim 1 of shape [5,2])"),
                       Error);
  CHECK_THROWS_WITH_AS(core::split(Tensor::scalar(1), 1, 0),
                       Contains("split: cannot split a 0-dim tensor"), Error);
  CHECK_THROWS_WITH_AS(core::chunk(x, 0, 0),
                       Contains("chunk: chunks must be positive, got 0 (shape [5,2])"), Error);
  CHECK_THROWS_WITH_AS(core::tril(Tensor::zeros({4})),
                       Contains("tril: expected a tensor with at least 2 dims, got shape [4]"),
                       Error);
  CHECK_THROWS_WITH_AS(core::triu(Tensor::zeros({4})), Contains("triu: expected"), Error);
}
