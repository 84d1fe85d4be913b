// AccumulateGrad: leaf hooks, then .grad += gradient without copies where it can.
#include "accumulate_grad.hpp"

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/elementwise.hpp"

namespace liandan {

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  TensorImpl& impl = const_cast<TensorImpl&>(*leaf.impl());
  if (auto existing = impl.accumulator.lock()) return existing;
  auto node = std::make_shared<AccumulateGrad>(leaf);
  node->set_next_edges({}, {});
  impl.accumulator = node;
  return node;
}

void accumulate_grad(TensorImpl& impl, const Tensor& g) {
  if (!g.defined()) return;
  if (GradMode::enabled()) {  // create_graph: .grad itself is differentiable
    impl.grad = (impl.grad ? add(Tensor::from_impl(impl.grad), g) : g).impl_ptr();
    return;
  }
  if (!impl.grad) {
    // Steal the buffer when nothing else references it, else copy: .grad is ours to mutate.
    const bool sole = g.data().storage().use_count() == 1 && g.data().is_contiguous();
    impl.grad = Tensor(sole ? g.data() : g.data().clone()).impl_ptr();
    return;
  }
  core::add_(impl.grad->data, g.data());
}

std::vector<Tensor> AccumulateGrad::backward(const std::vector<Tensor>& grads) {
  Tensor g = grads[0];
  TensorImpl& impl = const_cast<TensorImpl&>(*leaf_.impl());
  for (const GradHook& hook : impl.hooks)
    if (Tensor replaced = hook(g); replaced.defined()) g = replaced;
  accumulate_grad(impl, g);
  return {};
}

}  // namespace liandan
