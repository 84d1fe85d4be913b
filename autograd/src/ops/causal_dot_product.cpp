// causal_dot_product (the numerator of causal linear attention):
//   out_i = sum_{j <= i} (q_i . k_j) v_j        (reverse: sum over j >= i)
// Its gradients are causal dot products again, with the roles permuted and, for k and v, the
// direction flipped (the sum over i >= j of a causal op is anti-causal):
//   dq_i = sum_{j <= i} (g_i . v_j) k_j = cdp(g, v, k)
//   dk_j = sum_{i >= j} (v_j . g_i) q_i = cdp(v, g, q, reversed)
//   dv_j = sum_{i >= j} (k_j . q_i) g_i = cdp(k, q, g, reversed)
// so the backward is written with this same op and double backward needs nothing else.
//
// Note [Causal dot product fast path]: when the backward is not recorded, one call to
// core::causal_dot_product_backward runs the three sweeps per sequence in one parallel pass
// (same arithmetic, without three nodes and three launches). Tests check both paths agree.
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct CausalDotProductBackward final : Node {
  explicit CausalDotProductBackward(const core::CausalDotProductOptions& options)
      : Node("CausalDotProductBackward"), options(options) {}
  core::CausalDotProductOptions options;
  struct {
    SavedTensor q, k, v;
  } saved;

  std::vector<Tensor> backward(const std::vector<Tensor>& grads) override {
    const Tensor q = saved.q.unpack(*this), k = saved.k.unpack(*this), v = saved.v.unpack(*this);
    const Tensor& g = grads[0];
    const bool need_q = needs_input_grad(0), need_k = needs_input_grad(1),
               need_v = needs_input_grad(2);
    if (!GradMode::enabled()) {
      const core::CausalDotProductGrads r = core::causal_dot_product_backward(
          q.data(), k.data(), v.data(), g.data(), options, need_q, need_k, need_v);
      auto wrap = [](const core::Tensor& t) { return t.defined() ? Tensor(t) : Tensor(); };
      return {wrap(r.q), wrap(r.k), wrap(r.v)};
    }
    core::CausalDotProductOptions same = options, flipped = options;
    flipped.reverse = !options.reverse;
    return {need_q ? causal_dot_product(g, v, k, same) : Tensor(),
            need_k ? causal_dot_product(v, g, q, flipped) : Tensor(),
            need_v ? causal_dot_product(k, q, g, flipped) : Tensor()};
  }
  void release_saved() override { saved.q.reset(), saved.k.reset(), saved.v.reset(); }
};

}  // namespace

Tensor causal_dot_product(const Tensor& q, const Tensor& k, const Tensor& v,
                          const core::CausalDotProductOptions& options) {
  check_input(q, "causal_dot_product", "q");
  check_input(k, "causal_dot_product", "k");
  check_input(v, "causal_dot_product", "v");
  Tensor out = make_result(core::causal_dot_product(q.data(), k.data(), v.data(), options));
  if (auto node = record<CausalDotProductBackward>({q, k, v}, {out}, options)) {
    // Each gradient needs the other two inputs; the fused kernel checks all three shapes.
    node->saved.q = SavedTensor(q, false);
    node->saved.k = SavedTensor(k, false);
    node->saved.v = SavedTensor(v, false);
  }
  return out;
}

}  // namespace liandan
