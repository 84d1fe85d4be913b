// AccumulateGrad: leaf hooks, then .grad += gradient, taking the buffer over only when nothing
// else can see it (Note [.grad ownership] in accumulate_grad.hpp).
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

namespace {

// g is referenced by this one handle only, no other tensor (a view, a saved output, the
// caller's grad_output) shares its storage, and it is contiguous.
bool solely_owned(const Tensor& g) {
  const core::Tensor& d = g.data();
  return g.impl_ptr().use_count() == 1 && d.storage().use_count() == 1 && d.is_contiguous();
}

}  // namespace

void accumulate_grad(TensorImpl& impl, Tensor g, bool may_take) {
  if (!g.defined()) return;
  if (!impl.grad) {
    // A gradient nobody else holds becomes .grad as it is; anything else is copied. With
    // create_graph (grad mode on) the copy is the recorded clone(), so .grad stays a function
    // of the graph.
    if (!(may_take && solely_owned(g)))
      g = GradMode::enabled() ? clone(g) : Tensor(g.data().clone());
    impl.grad = g.impl_ptr();
  } else if (GradMode::enabled()) {
    // The old .grad may be part of a graph (create_graph): a new tensor, never in place.
    impl.grad = add(Tensor::from_impl(impl.grad), g).impl_ptr();
  } else {
    core::add_(impl.grad->data, g.data());
  }
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);  // the engine's handle: ours now
  TensorImpl& impl = const_cast<TensorImpl&>(*leaf_.impl());
  for (const GradHook& hook : impl.hooks)
    if (Tensor replaced = hook(g); replaced.defined()) g = std::move(replaced);
  accumulate_grad(impl, std::move(g), /*may_take=*/true);
  return {};
}

std::vector<Tensor> AccumulateGrad::backward(const std::vector<Tensor>& grads) {
  return apply(std::vector<Tensor>(grads));
}

}  // namespace liandan
