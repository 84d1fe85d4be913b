// Internal: the node at the end of every path to a leaf. It runs the leaf's hooks and adds
// the gradient into leaf.grad.
//
// Note [.grad ownership]: optimizers, clipping, zero_grad(false) and the next backward all
// modify .grad in place, so .grad must be a buffer of its own: never the caller's
// grad_output, never a view of another tensor, never shared by two leaves, never a stride-0
// expand. As PyTorch's AccumulateGrad::accumulateGrad (torch/csrc/autograd/functions/
// accumulate_grad.h):
//   - no .grad yet: take the incoming gradient itself only when nothing else references it
//     (the engine handed over its only handle, and no other tensor shares its storage) and it
//     is contiguous; otherwise store a contiguous copy (with create_graph: the recorded
//     clone(), so .grad is a fresh tensor that is still a function of the graph);
//   - .grad exists, no create_graph: .grad += g in place;
//   - .grad exists, create_graph: .grad = .grad + g, a new tensor (the old one may be saved by
//     a graph).
// The engine's input buffers follow the same rule (add_to_slot in engine.cpp).
#pragma once

#include "liandan/autograd/node.hpp"

namespace liandan {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf) : Node("AccumulateGrad"), leaf_(std::move(leaf)) {}
  // Takes the engine's handle of the gradient, so that a gradient nobody else holds can become
  // .grad without a copy.
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::vector<Tensor> backward(const std::vector<Tensor>& grads) override;
  const Tensor& leaf() const { return leaf_; }

 private:
  Tensor leaf_;
};

// The leaf's accumulator, created on first use and shared while a graph holds it.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

// Adds g into impl.grad (Note [.grad ownership]). may_take: the caller handed over its only
// handle of g, which may then become .grad without a copy if nothing else references it.
void accumulate_grad(TensorImpl& impl, Tensor g, bool may_take);

}  // namespace liandan
