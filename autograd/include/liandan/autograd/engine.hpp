// The backward engine: walks the graph from the given outputs in reverse sequence order,
// runs each node once all gradients for it have arrived, and accumulates into leaves' .grad
// (backward) or returns the gradients of chosen inputs (grad).
#pragma once

#include <optional>
#include <vector>

#include "liandan/autograd/tensor.hpp"

namespace liandan::autograd {

struct GradOptions {
  std::optional<bool> retain_graph = std::nullopt;  // default: create_graph, as PyTorch
  bool create_graph = false;                        // record the backward itself (double backward)
  bool allow_unused = false;  // an input the outputs do not depend on gets undefined
};

// d(outputs)/d(inputs), weighted by grad_outputs (default: ones for one-element outputs).
// Leaves' .grad are not touched.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, const GradOptions& options = {});

// Accumulates d(tensors)/d(leaf) into every leaf's .grad.
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace liandan::autograd
