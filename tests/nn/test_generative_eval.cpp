// Evaluation utilities of nn/generative: the Jacobi eigensolver, the Fréchet distance against
// scipy (tests/fixtures/gen_generative.py) and a closed form, mixtures and mode coverage, PNG
// grids, scatter plots and latent interpolation.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "generative_helpers.hpp"
#include "liandan/core/random.hpp"
#include "liandan/nn/generative/frechet.hpp"
#include "liandan/nn/generative/images.hpp"
#include "liandan/nn/generative/mixtures.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

TEST_CASE("symmetric_eigen reconstructs a random symmetric matrix with orthonormal eigenvectors") {
  for (const std::int64_t n : {1, 2, 7, 40}) {
    INFO("n = ", n);
    const auto r = core::normal({n, n}, 0, 1, DType::f64).to_vector<double>();
    std::vector<double> a(n * n);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) a[i * n + j] = r[i * n + j] + r[j * n + i];
    const SymmetricEigen e = symmetric_eigen(a, n);
    for (std::int64_t k = 1; k < n; ++k) CHECK(e.values[k - 1] <= e.values[k]);
    double worst = 0, worst_orth = 0;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double rec = 0, dot = 0;
        for (std::int64_t k = 0; k < n; ++k) {
          rec += e.vectors[i * n + k] * e.values[k] * e.vectors[j * n + k];
          dot += e.vectors[k * n + i] * e.vectors[k * n + j];
        }
        worst = std::max(worst, std::abs(rec - a[i * n + j]));
        worst_orth = std::max(worst_orth, std::abs(dot - (i == j ? 1.0 : 0.0)));
      }
    CHECK(worst < 1e-10);
    CHECK(worst_orth < 1e-12);
  }
  // A known spectrum: [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  const SymmetricEigen e = symmetric_eigen({2, 1, 1, 2}, 2);
  CHECK(e.values[0] == doctest::Approx(1));
  CHECK(e.values[1] == doctest::Approx(3));
  CHECK_THROWS_WITH(symmetric_eigen({1, 2, 3, 4}, 2), doctest::Contains("not symmetric"));
  // sqrt_psd squares back.
  const auto root = sqrt_psd({2, 1, 1, 2}, 2);
  CHECK(root[0] * root[0] + root[1] * root[2] == doctest::Approx(2));
  CHECK(root[0] * root[1] + root[1] * root[3] == doctest::Approx(1));
}

TEST_CASE(
    "frechet_distance matches scipy (dims 16 and 64), the diagonal closed form, and is 0 on "
    "itself") {
  const auto& f = test::generative_fixture();
  for (const std::string c : {"frechet_16", "frechet_64"}) {
    INFO("case ", c);
    const double fd = frechet_distance(f.tensor(c + "/a"), f.tensor(c + "/b"));
    CHECK(fd == doctest::Approx(f.attr(c, "fd")).epsilon(1e-8));
  }
  const core::Tensor a = f.tensor("frechet_16/a");
  CHECK(std::abs(frechet_distance(a, a)) < 1e-8);
  // Diagonal covariances: sum (m1 - m2)^2 + sum (s1 + s2 - 2 sqrt(s1 s2)).
  FeatureMoments p{3, {0, 1, 2}, {1, 0, 0, 0, 4, 0, 0, 0, 9}};
  FeatureMoments q{3, {1, 1, 0}, {4, 0, 0, 0, 1, 0, 0, 0, 0.25}};
  const double expected = (1 + 0 + 4) + (1 + 4 - 4) + (4 + 1 - 4) + (9 + 0.25 - 3);
  CHECK(frechet_distance(p, q) == doctest::Approx(expected).epsilon(1e-12));
  CHECK_THROWS_WITH(frechet_distance(a, core::Tensor::zeros({5, 3})), doctest::Contains("differ"));
}

TEST_CASE("mixtures: centres, samples and mode coverage by the documented rule") {
  const Mixture2d circle = eight_circle();
  REQUIRE(circle.centres.size() == 8);
  CHECK(circle.centres[2][0] == doctest::Approx(0).epsilon(1e-12).scale(1));
  CHECK(circle.centres[2][1] == doctest::Approx(2));
  const Mixture2d grid = grid25();
  REQUIRE(grid.centres.size() == 25);
  CHECK(grid.centres[0] == std::array<double, 2>{-4, -4});
  CHECK(grid.std == 0.05);

  core::Generator gen(1);
  for (const Mixture2d& m : {circle, grid}) {
    const ModeCoverage c = mode_coverage(m, sample_mixture(m, 4000, gen));
    CHECK(c.covered == c.modes);
    // The mass of a 2-D Gaussian within 3 std: 1 - exp(-9/2) = 0.9889.
    CHECK(c.high_quality == doctest::Approx(0.9889).epsilon(0.01));
  }
  // Hand-made samples: 50 on mode 0, 1 on mode 1 (below 1% of 200), 149 far from every centre.
  std::vector<double> pts;
  for (int i = 0; i < 50; ++i) pts.insert(pts.end(), {2.0 + 0.01, 0.0});
  pts.insert(pts.end(), {circle.centres[1][0], circle.centres[1][1]});
  for (int i = 0; i < 149; ++i) pts.insert(pts.end(), {0.0, 0.0});
  const ModeCoverage c =
      mode_coverage(circle, core::Tensor::from(std::span<const double>(pts), {200, 2}));
  CHECK(c.covered == 1);
  CHECK(c.counts[0] == 50);
  CHECK(c.counts[1] == 1);
  CHECK(c.high_quality == doctest::Approx(0.255));
  // 2 of 200 on mode 1 is 1%: covered.
  pts[2 * 51] = circle.centres[1][0], pts[2 * 51 + 1] = circle.centres[1][1];
  CHECK(mode_coverage(circle, core::Tensor::from(std::span<const double>(pts), {200, 2})).covered ==
        2);
  // Just outside 3 std of mode 0 does not count.
  const ModeCoverage out = mode_coverage(circle, core::Tensor::from({2.0 + 0.0601, 0.0}, {1, 2}));
  CHECK(out.counts[0] == 0);
}

TEST_CASE(
    "PNG: image grid layout, value mapping and a round trip through libpng; a link at the path "
    "is replaced, not written through; scatter; interpolation") {
  const auto dir = std::filesystem::temp_directory_path() / "liandan_test_generative";
  std::filesystem::create_directories(dir);
  // 3 images 2x2: values 0, 0.5, 1 (clamped from 2) in a grid of 2 per row, padding 1.
  const core::Tensor imgs =
      core::Tensor::from<double>({0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2}, {3, 1, 2, 2});
  const Image grid = image_grid(imgs, 2, {.padding = 1, .pad_value = 7});
  CHECK(grid.width == 2 * 3 + 1);
  CHECK(grid.height == 2 * 3 + 1);
  CHECK(grid.pixels[0] == 7);
  CHECK(grid.pixels[1 * grid.width + 1] == 0);    // first image
  CHECK(grid.pixels[1 * grid.width + 4] == 128);  // second, 0.5 -> 127.5 rounds to 128
  CHECK(grid.pixels[4 * grid.width + 1] == 255);  // third, clamped
  CHECK(grid.pixels[4 * grid.width + 4] == 7);    // the empty fourth cell
  const std::string path = (dir / "grid.png").string();
  save_png(path, grid);
  const Image back = load_png(path);
  CHECK(back.width == grid.width);
  CHECK(back.channels == 1);
  CHECK(back.pixels == grid.pixels);
  CHECK_THROWS_WITH(save_png((dir / "no/such/dir.png").string(), grid),
                    doctest::Contains("cannot open"));
  // A link at the path is replaced by the new file, and what it pointed to is left alone.
  const std::filesystem::path target = dir / "elsewhere.txt", link = dir / "linked.png";
  std::ofstream(target) << "keep";
  std::filesystem::create_symlink(target, link);
  save_png(link.string(), grid);
  CHECK(!std::filesystem::is_symlink(link));
  CHECK(load_png(link.string()).pixels == grid.pixels);
  std::ifstream kept(target);
  CHECK(std::string(std::istreambuf_iterator<char>(kept), {}) == "keep");

  const Image s =
      scatter_plot({{.points = core::Tensor::from<double>({1.0, 1.0, 9.0, 9.0}, {2, 2}),
                     .rgb = {255, 0, 0},
                     .radius = 0}},
                   {.x_min = 0, .x_max = 2, .y_min = 0, .y_max = 2, .size = 3, .axes = false});
  CHECK(s.channels == 3);
  CHECK(s.pixels[(1 * 3 + 1) * 3] == 255);
  CHECK(s.pixels[(1 * 3 + 1) * 3 + 1] == 0);
  CHECK(s.pixels[0] == 255);  // white ground
  CHECK(s.pixels[1] == 255);
  save_png((dir / "scatter.png").string(), s);
  CHECK(load_png((dir / "scatter.png").string()).pixels == s.pixels);

  const core::Tensor z = interpolate_latents(core::Tensor::from<double>({0, 0, 1, 1}, {2, 2}),
                                             core::Tensor::from<double>({1, 2, 1, 1}, {2, 2}), 3);
  CHECK(z.shape() == Shape{6, 2});
  CHECK(z.to_vector<double>() == std::vector<double>{0, 0, 0.5, 1, 1, 2, 1, 1, 1, 1, 1, 1});
  std::filesystem::remove_all(dir);
}
