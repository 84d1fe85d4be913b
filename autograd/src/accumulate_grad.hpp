// Internal: the node at the end of every path to a leaf. It runs the leaf's hooks and adds
// the gradient into leaf.grad.
#pragma once

#include "liandan/autograd/node.hpp"

namespace liandan {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf) : Node("AccumulateGrad"), leaf_(std::move(leaf)) {}
  std::vector<Tensor> backward(const std::vector<Tensor>& grads) override;
  const Tensor& leaf() const { return leaf_; }

 private:
  Tensor leaf_;
};

// The leaf's accumulator, created on first use and shared while a graph holds it.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

// Adds g into impl.grad: in place when not building a graph, else as a recorded op.
void accumulate_grad(TensorImpl& impl, const Tensor& g);

}  // namespace liandan
