// Finite-difference checks of gradients (first and second order), as torch.autograd.gradcheck
// and gradgradcheck: central differences in float64, |analytic - numeric| <= atol + rtol |numeric|.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "liandan/autograd/tensor.hpp"

namespace liandan::autograd {

using Function = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // which input, output and element differ, and by how much
};

// Compares the Jacobian from the tape with central differences. Inputs must be f64; those
// that require grad are checked, against every floating output: an output that does not
// require grad counts as having a zero Jacobian, so a result computed outside the graph fails.
GradcheckResult gradcheck(const Function& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

// Checks second derivatives: gradcheck of (inputs, v) -> grad(f(inputs), inputs, v,
// create_graph) for a fixed random v. A backward that returns a detached gradient (right
// values, not recorded) fails it.
GradcheckResult gradgradcheck(const Function& f, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace liandan::autograd
