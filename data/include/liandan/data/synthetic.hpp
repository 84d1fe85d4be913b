// Synthetic tasks: Su's position probe, the copy task and 2-D Gaussian mixtures. Each example
// depends only on (seed, index) through Philox, so a task needs no storage and any loader
// order reproduces it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "liandan/data/dataset.hpp"

namespace liandan::data {

// Position probe (kexue.fm/archives/9105, ALGORITHMS.md §5): input n zero tokens, targets the
// positions 1..n. Fields "input" i64 (n) all 0 and "target" f32 (n) = 1, 2, ..., n. A model
// whose only position signal acts on pre-softmax logits (RoPE) cannot fit it.
class PositionProbe : public Dataset {
 public:
  PositionProbe(std::int64_t length, std::int64_t size);
  std::int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string name() const override;
  void get_into(std::int64_t index, const ExampleSlot& out) const override;

 private:
  std::int64_t length_, size_;
  std::vector<Field> fields_;
};

// Note [Copy task]: x = L tokens uniform in [0, vocab - 1), separator = vocab - 1, and the
// sequence s = x, separator, x (2L + 1 tokens). The example is next-token prediction on it:
// input = s[0, 2L), target = s[1, 2L + 1), with the first L targets (the unpredictable random
// half and the separator) set to ignore_index, so the loss only scores the copy.
struct CopyTaskOptions {
  std::int64_t length = 16;  // L
  std::int64_t vocab = 16;   // including the separator token vocab - 1
  std::int64_t size = 1024;  // examples
  std::uint64_t seed = 0;
  std::int64_t ignore_index = -100;
};

class CopyTask : public Dataset {
 public:
  explicit CopyTask(const CopyTaskOptions& options);
  std::int64_t size() const override { return options_.size; }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string name() const override;
  void get_into(std::int64_t index, const ExampleSlot& out) const override;
  std::int64_t separator() const { return options_.vocab - 1; }

 private:
  CopyTaskOptions options_;
  std::vector<Field> fields_;
};

// A mixture of equally weighted isotropic 2-D Gaussians, as in the GAN mode-collapse
// literature (Metz et al., Unrolled GANs; Gulrajani et al., WGAN-GP): example i picks a
// component uniformly and adds N(0, std^2) noise. Fields "x" f32 (2), "component" i64 ().
class GaussianMixture : public Dataset {
 public:
  // 8 components on a circle of radius 2 (angles 2 pi k / 8), std 0.02.
  static GaussianMixture ring(std::int64_t size, std::uint64_t seed = 0, std::int64_t modes = 8,
                              double radius = 2, double stddev = 0.02);
  // 25 components on the grid {-4, -2, 0, 2, 4}^2, std 0.05.
  static GaussianMixture grid(std::int64_t size, std::uint64_t seed = 0, std::int64_t side = 5,
                              double spacing = 2, double stddev = 0.05);
  GaussianMixture(std::vector<std::array<double, 2>> centres, double stddev, std::int64_t size,
                  std::uint64_t seed, std::string name);

  std::int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string name() const override { return name_; }
  void get_into(std::int64_t index, const ExampleSlot& out) const override;

  const std::vector<std::array<double, 2>>& centres() const { return centres_; }
  core::Tensor centres_tensor() const;  // (K, 2) f64
  double stddev() const { return std_; }
  // Samples (M, 2) assigned to their nearest centre when within max_stds * std of it: the count
  // per centre (a mode is covered when its count is positive; the sum over all centres is the
  // number of "high-quality" samples).
  std::vector<std::int64_t> mode_counts(const core::Tensor& samples, double max_stds = 3) const;

 private:
  std::vector<std::array<double, 2>> centres_;
  double std_;
  std::int64_t size_;
  std::uint64_t seed_;
  std::string name_;
  std::vector<Field> fields_;
};

}  // namespace liandan::data
