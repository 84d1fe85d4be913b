// nn::Dropout: inverted dropout in training (functional::dropout), the identity in eval.
#pragma once

#include "liandan/core/random.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

class Dropout : public Module {
 public:
  // Masks are drawn from gen (not owned; it must outlive the module), or from
  // core::default_generator() when null, so a seed makes them reproducible.
  explicit Dropout(double p = 0.5, core::Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

  double p;
  core::Generator* generator;
};

}  // namespace liandan::nn
