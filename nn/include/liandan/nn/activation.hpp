// Activation modules (torch.nn.ReLU, GELU, ...): each wraps the differentiable op of the same
// name; no parameters. Activation names one of them for layers that take a choice (MLP).
#pragma once

#include <string>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

enum class Activation { relu, gelu, gelu_tanh, silu, sigmoid, tanh };
// Applies the activation (gelu is the exact erf form, gelu_tanh its tanh approximation).
Tensor activate(const Tensor& x, Activation activation);
std::string to_string(Activation activation);

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class GELU : public Module {
 public:
  explicit GELU(GeluApprox approximate = GeluApprox::none) : approximate(approximate) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GELU"; }
  std::string extra_repr() const override;

  GeluApprox approximate;
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SiLU"; }
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha(alpha) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ELU"; }
  std::string extra_repr() const override;

  double alpha;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;

  double negative_slope;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

// log(1 + exp(beta x)) / beta, linear where beta x > threshold (as PyTorch).
class Softplus : public Module {
 public:
  explicit Softplus(double beta = 1.0, double threshold = 20.0)
      : beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Softplus"; }
  std::string extra_repr() const override;

  double beta, threshold;
};

}  // namespace liandan::nn
