// Flatten and Unflatten (torch.nn.Flatten, torch.nn.Unflatten): reshapes as modules, for
// Sequential models.
#pragma once

#include "liandan/nn/module.hpp"

namespace liandan::nn {

// Merges dims start_dim..end_dim into one; the default keeps the batch dim.
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override;

  std::int64_t start_dim, end_dim;
};

// Splits dim into unflattened_size (one entry may be -1, inferred).
class Unflatten : public Module {
 public:
  Unflatten(std::int64_t dim, const Shape& unflattened_size);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Unflatten"; }
  std::string extra_repr() const override;

  std::int64_t dim;
  Shape unflattened_size;
};

}  // namespace liandan::nn
