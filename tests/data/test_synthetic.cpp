// Synthetic tasks: position probe, copy task, Gaussian mixtures (shapes, values, determinism).
#include <cmath>
#include <set>

#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

TEST_CASE("data::PositionProbe: n zeros in, 1..n out") {
  auto probe = std::make_shared<PositionProbe>(5, 12);
  DataLoader loader(probe, {.batch_size = 4});
  const Batch b = *loader.next();
  CHECK(b["input"].shape() == Shape{4, 5});
  CHECK(b["input"].dtype() == DType::i64);
  for (std::int64_t v : b["input"].to_vector<std::int64_t>()) CHECK(v == 0);
  CHECK(b["target"].dtype() == DType::f32);
  CHECK(b["target"].select(0, 3).to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5});
}

TEST_CASE("data::CopyTask: x, separator, copy; the first half of targets ignored") {
  CopyTask task({.length = 6, .vocab = 10, .size = 200, .seed = 4});
  CHECK(task.separator() == 9);
  std::set<std::int64_t> tokens;
  for (std::int64_t i = 0; i < 200; ++i) {
    const Example e = task.get(i);
    const auto in = e["input"].to_vector<std::int64_t>(), t = e["target"].to_vector<std::int64_t>();
    REQUIRE(in.size() == 12);
    REQUIRE(t.size() == 12);
    for (int j = 0; j < 6; ++j) {
      CHECK(in[j] >= 0);
      CHECK(in[j] < 9);
      tokens.insert(in[j]);
      CHECK(t[j] == -100);
      CHECK(t[6 + j] == in[j]);  // after the separator the target is the copy
    }
    CHECK(in[6] == 9);
    for (int j = 0; j < 5; ++j) CHECK(in[7 + j] == in[j]);  // input continues with the copy
  }
  CHECK(tokens.size() == 9);  // every content token occurs
  CopyTask same({.length = 6, .vocab = 10, .size = 200, .seed = 4}),
      other({.length = 6, .vocab = 10, .size = 200, .seed = 5});
  CHECK(identical(task.get(17)["input"], same.get(17)["input"]));
  CHECK(!identical(task.get(17)["input"], other.get(17)["input"]));
}

TEST_CASE("data::GaussianMixture: 8 on a ring and 25 on a grid, std as in the GAN papers") {
  const GaussianMixture ring = GaussianMixture::ring(4000, 1);
  REQUIRE(ring.centres().size() == 8);
  CHECK(ring.stddev() == 0.02);
  for (const auto& c : ring.centres()) CHECK(std::hypot(c[0], c[1]) == doctest::Approx(2.0));
  CHECK(ring.centres()[2][1] == doctest::Approx(2.0));
  const GaussianMixture grid = GaussianMixture::grid(4000, 1);
  REQUIRE(grid.centres().size() == 25);
  CHECK(grid.stddev() == 0.05);
  std::set<std::pair<double, double>> expected, got;
  for (int i = -4; i <= 4; i += 2)
    for (int j = -4; j <= 4; j += 2) expected.insert({i, j});
  for (const auto& c : grid.centres()) got.insert({c[0], c[1]});
  CHECK(got == expected);
  CHECK(grid.centres_tensor().shape() == Shape{25, 2});

  for (const GaussianMixture* mix : {&ring, &grid}) {
    std::vector<std::int64_t> all(mix->size());
    for (std::int64_t i = 0; i < mix->size(); ++i) all[i] = i;
    const Batch b = collate(*mix, all);
    CHECK(b["x"].shape() == Shape{mix->size(), 2});
    const auto x = b["x"].to_vector<float>();
    const auto k = b["component"].to_vector<std::int64_t>();
    // Noise has the stated std around the chosen centre.
    double sum_sq = 0;
    for (std::int64_t i = 0; i < mix->size(); ++i) {
      const auto& c = mix->centres()[k[i]];
      sum_sq += std::pow(x[2 * i] - c[0], 2) + std::pow(x[2 * i + 1] - c[1], 2);
    }
    const double std_hat = std::sqrt(sum_sq / (2.0 * static_cast<double>(mix->size())));
    CHECK(std_hat == doctest::Approx(mix->stddev()).epsilon(0.05));
    // Real samples cover every mode, nearly all within 3 std.
    const auto counts = mix->mode_counts(b["x"]);
    std::int64_t total = 0;
    for (std::int64_t c : counts) {
      CHECK(c > 0);
      total += c;
    }
    CHECK(total > mix->size() * 95 / 100);
  }
  // A collapsed generator: everything on one centre covers one mode.
  const core::Tensor collapsed = core::Tensor::full({100, 2}, 0.0);
  const auto counts = grid.mode_counts(collapsed);
  CHECK(std::count_if(counts.begin(), counts.end(), [](std::int64_t c) { return c > 0; }) == 1);
  CHECK(counts[12] == 100);
}
