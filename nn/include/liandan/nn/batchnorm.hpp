// BatchNorm1d and BatchNorm2d, as torch.nn's: per-channel normalisation of (N, C), (N, C, L)
// or (N, C, H, W) inputs with batch statistics in training and running statistics in eval.
#pragma once

#include <optional>

#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // Weight of the batch in the running averages; none: a cumulative average over every batch
  // so far (1 / num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learn weight (ones) and bias (zeros), shape (C)
  bool track_running_stats = true;  // else batch statistics in eval too, and no buffers
  DType dtype = DType::f32;
};

// Note [BatchNorm in training]: y = (x - mean) / sqrt(var + eps) * weight + bias with the
// batch's mean and biased variance per channel, composed of differentiable ops so gradients of
// gradients flow through the statistics. Then, without recording, the running statistics move
// toward the batch's with the unbiased variance, and num_batches_tracked counts the step (as
// torch.nn.modules.batchnorm._BatchNorm.forward).
class BatchNorm : public Module {
 public:
  BatchNorm(std::int64_t num_features, const BatchNormOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // Running statistics back to mean 0, variance 1, no batches seen.
  void reset_running_stats();

  std::int64_t num_features;
  double eps;
  std::optional<double> momentum;
  Tensor weight;               // (C) or undefined
  Tensor bias;                 // (C) or undefined
  Tensor running_mean;         // (C) buffer, or undefined without track_running_stats
  Tensor running_var;          // (C) buffer
  Tensor num_batches_tracked;  // () i64 buffer

 protected:
  // Throws unless x has a rank this layer takes.
  virtual void check_input(const Tensor& x) const = 0;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNorm(num_features, options) {}
  std::string type_name() const override { return "BatchNorm1d"; }

 protected:
  void check_input(const Tensor& x) const override;  // (N, C) or (N, C, L)
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNorm(num_features, options) {}
  std::string type_name() const override { return "BatchNorm2d"; }

 protected:
  void check_input(const Tensor& x) const override;  // (N, C, H, W)
};

}  // namespace liandan::nn
