// The spiral task: classify points of a noisy K-arm 2-D spiral with an MLP. The points come from
// the seeded Philox generator, so it needs no data files: the quickstart and the tests use it.
#pragma once

#include "liandan/core/random.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/containers.hpp"

namespace liandan::experiments {

struct SpiralOptions {
  std::int64_t classes = 3;  // arms
  double turns = 1.0;        // revolutions of each arm
  double noise = 0.05;       // std of the Gaussian added to each coordinate
  std::int64_t batch_size = 64;
  std::int64_t eval_size = 1024;
  std::int64_t hidden = 64;
  std::int64_t depth = 2;  // hidden layers
};

// n points (n, 2) f32 and their labels (n) i64, drawn from gen: a radius r ~ U(0, 1), an arm
// k ~ U{0..K-1}, the angle 2 pi (k / K + turns r), plus noise.
std::pair<core::Tensor, core::Tensor> spiral_points(std::int64_t n, const SpiralOptions& options,
                                                    core::Generator& gen);

class SpiralTask : public Task {
 public:
  SpiralTask(const SpiralOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  Batch next_batch() override;
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;

 private:
  SpiralOptions options_;
  nn::Sequential model_;
  core::Generator train_gen_;
  core::Tensor eval_x_, eval_y_;  // (eval_size, 2), (eval_size)
};

}  // namespace liandan::experiments
