// nn::Linear: y = x W^T + b, W (out, in), initialised as PyTorch's (kaiming_uniform with
// a = sqrt(5), bias U(-1/sqrt(in), 1/sqrt(in))) so that results compare.
#pragma once

#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct LinearOptions {
  bool bias = true;
  DType dtype = DType::f32;
};

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (..., in) -> (..., out)
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  Tensor weight;  // (out, in)
  Tensor bias;    // (out) or undefined
};

}  // namespace liandan::nn
