// Synthetic tasks (synthetic.hpp): each example is a pure function of (seed, index) via Philox.
#include "liandan/data/synthetic.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "liandan/core/random.hpp"

namespace liandan::data {
namespace {

// Philox block `block` of example index under seed: 4 uniform 32-bit words.
std::array<std::uint32_t, 4> words(std::uint64_t seed, std::int64_t index, std::uint32_t block) {
  const auto i = static_cast<std::uint64_t>(index);
  return core::philox4x32(
      {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32), block, 0},
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
}

// Uniform in [0, span) for span <= 2^32 (bias below span / 2^32).
std::int64_t bounded(std::uint32_t word, std::uint64_t span) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(word) * span) >> 32);
}

}  // namespace

PositionProbe::PositionProbe(std::int64_t length, std::int64_t size)
    : length_(length), size_(size) {
  check(length >= 1 && size >= 1, "PositionProbe: need length >= 1 and size >= 1, got {} and {}",
        length, size);
  fields_ = {{"input", DType::i64, {length}}, {"target", DType::f32, {length}}};
}

std::string PositionProbe::name() const { return fmt::format("position probe n={}", length_); }

void PositionProbe::get_into(std::int64_t, const ExampleSlot& out) const {
  std::int64_t* input = out.field<std::int64_t>(0);
  float* target = out.field<float>(1);
  for (std::int64_t i = 0; i < length_; ++i) input[i] = 0, target[i] = static_cast<float>(i + 1);
}

CopyTask::CopyTask(const CopyTaskOptions& options) : options_(options) {
  check(options_.length >= 1 && options_.size >= 1,
        "CopyTask: need length >= 1 and size >= 1, got {} and {}", options_.length, options_.size);
  check(options_.vocab >= 2 && options_.vocab <= (std::int64_t{1} << 32),
        "CopyTask: vocab must lie in [2, 2^32] (one token is the separator), got {}",
        options_.vocab);
  const std::int64_t t = 2 * options_.length;
  fields_ = {{"input", DType::i64, {t}}, {"target", DType::i64, {t}}};
}

std::string CopyTask::name() const {
  return fmt::format("copy task L={} vocab={}", options_.length, options_.vocab);
}

void CopyTask::get_into(std::int64_t index, const ExampleSlot& out) const {
  const std::int64_t length = options_.length, sep = separator();
  std::int64_t* input = out.field<std::int64_t>(0);   // (2L) = x, sep, x[0, L-1)
  std::int64_t* target = out.field<std::int64_t>(1);  // (2L) = ignored (L), x
  std::array<std::uint32_t, 4> r{};
  for (std::int64_t j = 0; j < length; ++j) {
    if (j % 4 == 0) r = words(options_.seed, index, static_cast<std::uint32_t>(j / 4));
    const std::int64_t token = bounded(r[j % 4], static_cast<std::uint64_t>(sep));
    input[j] = token;
    target[length + j] = token;
  }
  input[length] = sep;
  for (std::int64_t j = 0; j + 1 < length; ++j) input[length + 1 + j] = input[j];
  for (std::int64_t j = 0; j < length; ++j) target[j] = options_.ignore_index;
}

GaussianMixture::GaussianMixture(std::vector<std::array<double, 2>> centres, double stddev,
                                 std::int64_t size, std::uint64_t seed, std::string name)
    : centres_(std::move(centres)), std_(stddev), size_(size), seed_(seed), name_(std::move(name)) {
  check(!centres_.empty() && std_ >= 0 && size_ >= 1,
        "GaussianMixture '{}': need centres, std >= 0 and size >= 1, got {} centres, std {}, "
        "size {}",
        name_, centres_.size(), std_, size_);
  fields_ = {{"x", DType::f32, {2}}, {"component", DType::i64, {}}};
}

GaussianMixture GaussianMixture::ring(std::int64_t size, std::uint64_t seed, std::int64_t modes,
                                      double radius, double stddev) {
  check(modes >= 1, "GaussianMixture::ring: modes must be >= 1, got {}", modes);
  std::vector<std::array<double, 2>> centres;
  for (std::int64_t k = 0; k < modes; ++k) {
    const double angle = 2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(modes);
    centres.push_back({radius * std::cos(angle), radius * std::sin(angle)});
  }
  return GaussianMixture(std::move(centres), stddev, size, seed,
                         fmt::format("ring of {} gaussians", modes));
}

GaussianMixture GaussianMixture::grid(std::int64_t size, std::uint64_t seed, std::int64_t side,
                                      double spacing, double stddev) {
  check(side >= 1, "GaussianMixture::grid: side must be >= 1, got {}", side);
  std::vector<std::array<double, 2>> centres;
  const double half = static_cast<double>(side - 1) / 2;
  for (std::int64_t i = 0; i < side; ++i)
    for (std::int64_t j = 0; j < side; ++j)
      centres.push_back(
          {spacing * (static_cast<double>(i) - half), spacing * (static_cast<double>(j) - half)});
  return GaussianMixture(std::move(centres), stddev, size, seed,
                         fmt::format("grid of {}x{} gaussians", side, side));
}

void GaussianMixture::get_into(std::int64_t index, const ExampleSlot& out) const {
  const auto r = words(seed_, index, 0);
  const std::int64_t k = bounded(r[0], centres_.size());
  // Box–Muller on (r[1], r[2]); u1 in (0, 1] keeps the log finite.
  const double u1 = (static_cast<double>(r[1]) + 1) * 0x1p-32,
               u2 = static_cast<double>(r[2]) * 0x1p-32;
  const double radius = std::sqrt(-2 * std::log(u1)), theta = 2 * std::numbers::pi * u2;
  float* x = out.field<float>(0);
  x[0] = static_cast<float>(centres_[k][0] + std_ * radius * std::cos(theta));
  x[1] = static_cast<float>(centres_[k][1] + std_ * radius * std::sin(theta));
  *out.field<std::int64_t>(1) = k;
}

core::Tensor GaussianMixture::centres_tensor() const {
  std::vector<double> flat;
  for (const auto& c : centres_) flat.insert(flat.end(), c.begin(), c.end());
  return core::Tensor::from(std::span<const double>(flat),
                            {static_cast<std::int64_t>(centres_.size()), 2});
}

std::vector<std::int64_t> GaussianMixture::mode_counts(const core::Tensor& samples,
                                                       double max_stds) const {
  check(samples.dim() == 2 && samples.size(1) == 2,
        "GaussianMixture::mode_counts: samples must be (M, 2), got {}", samples.shape());
  const std::vector<double> xy = samples.to(DType::f64).contiguous().to_vector<double>();
  std::vector<std::int64_t> counts(centres_.size(), 0);
  const double limit = max_stds * std_;
  for (std::size_t m = 0; m < xy.size() / 2; ++m) {
    double best = std::numeric_limits<double>::infinity();
    std::size_t nearest = 0;
    for (std::size_t k = 0; k < centres_.size(); ++k) {
      const double d = std::hypot(xy[2 * m] - centres_[k][0], xy[2 * m + 1] - centres_[k][1]);
      if (d < best) best = d, nearest = k;
    }
    if (best <= limit) ++counts[nearest];
  }
  return counts;
}

}  // namespace liandan::data
