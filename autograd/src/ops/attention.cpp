// scaled_dot_product_attention: out = P v, P = softmax(S), S = q k^T scale + mask (masked keys
// -inf). With g the upstream gradient and dS = P (g v^T - rowsum(g v^T P)):
//   d/dv = P^T g,  d/dq = dS k scale,  d/dk = dS^T q scale.
//
// Note [Attention fast path]: the forward runs core::flash_attention, which never forms the
// (T, S) matrices and returns the row logsumexp. When the backward is not recorded (no
// create_graph), core::flash_attention_backward recomputes P tile by tile from q, k and the
// logsumexp. Under create_graph the backward recomputes P with differentiable ops and writes
// the formulas above with them, so gradients of gradients work (as Note [LayerNorm fast path]).
// A floating mask that requires grad sends the whole op down the composed path
// (attention_reference), whose tape gives the mask its gradient. Tests check both paths against
// each other and against PyTorch.
#include "liandan/autograd/attention.hpp"

#include <limits>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/attention.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/reduce.hpp"

namespace liandan {
namespace {

core::AttentionOptions core_options(const AttentionOptions& o) {
  return {o.mask.defined() ? o.mask.data() : core::Tensor(), o.causal, o.scale};
}

// P = softmax(q k^T scale + mask) with masked keys at -inf; rows that see no key are 0.
Tensor attention_probabilities(const Tensor& q, const Tensor& k, const AttentionOptions& o) {
  check(q.dim() == 4 && k.dim() == 4, "attention: q {} and k {} must be 4-D", q.shape(), k.shape());
  const std::int64_t T = q.size(2), S = k.size(2);
  Tensor s = matmul(q, transpose(k, -1, -2)) * core::attention_scale(core_options(o), q.size(3));
  core::Tensor keep;  // bool, broadcastable to s
  if (o.mask.defined() && o.mask.dtype() == DType::b8) keep = o.mask.data();
  if (o.mask.defined() && o.mask.dtype() != DType::b8) s = s + o.mask;
  if (o.causal) {
    const core::Tensor c = core::causal_mask(T, S);
    keep = keep.defined() ? core::logical_and(keep, c) : c;
  }
  if (keep.defined()) {
    const Tensor blocked(core::Tensor::scalar(-std::numeric_limits<double>::infinity(), s.dtype()));
    s = where(Tensor(keep), s, blocked);
  }
  const core::Tensor visible = core::gt(core::amax(s.data(), {-1}, true), -1e300);  // (..., T, 1)
  if (core::amin(visible.to(DType::f64)).item() > 0) return softmax(s, -1);
  // Softmax over a row of -inf is NaN: give such rows zero scores, then zero probabilities.
  const Tensor zero(core::Tensor::scalar(0, s.dtype()));
  return where(Tensor(visible), softmax(where(Tensor(visible), s, zero), -1), zero);
}

struct AttentionBackward final : Node {
  explicit AttentionBackward(const AttentionOptions& options)
      : Node("AttentionBackward"), options(std::move(options)) {}
  AttentionOptions options;  // the mask is a constant here (it does not require grad)
  struct {
    SavedTensor q, k, v, out;  // out: output 0
    core::Tensor lse;          // (B, H, T), no gradient
  } saved;

  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor q = saved.q.unpack(*this), k = saved.k.unpack(*this), v = saved.v.unpack(*this);
    if (!GradMode::enabled()) {
      const core::AttentionGrads r = core::flash_attention_backward(
          g[0].data(), q.data(), k.data(), v.data(), saved.out.unpack(*this).data(), saved.lse,
          core_options(options));
      auto keep = [&](std::size_t i, const core::Tensor& t) {
        return needs_input_grad(i) ? Tensor(t) : Tensor();
      };
      return {keep(0, r.dq), keep(1, r.dk), keep(2, r.dv)};
    }
    const double scale = core::attention_scale(core_options(options), q.size(3));
    const Tensor p = attention_probabilities(q, k, options);  // (B, H, T, S)
    Tensor gq, gk, gv;
    if (needs_input_grad(2)) gv = matmul(transpose(p, -1, -2), g[0]);
    if (needs_input_grad(0) || needs_input_grad(1)) {
      const Tensor dp = matmul(g[0], transpose(v, -1, -2));
      const Tensor ds = p * (dp - sum(dp * p, {-1}, true)) * scale;
      if (needs_input_grad(0)) gq = matmul(ds, k);
      if (needs_input_grad(1)) gk = matmul(transpose(ds, -1, -2), q);
    }
    return {gq, gk, gv};
  }
  void release_saved() override {
    saved.q.reset(), saved.k.reset(), saved.v.reset(), saved.out.reset();
    saved.lse = core::Tensor();
  }
};

}  // namespace

Tensor attention_reference(const Tensor& q, const Tensor& k, const Tensor& v,
                           const AttentionOptions& options) {
  check_input(q, "attention_reference", "q");
  check_input(k, "attention_reference", "k");
  check_input(v, "attention_reference", "v");
  return matmul(attention_probabilities(q, k, options), v);
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const AttentionOptions& options) {
  check_input(q, "scaled_dot_product_attention", "q");
  check_input(k, "scaled_dot_product_attention", "k");
  check_input(v, "scaled_dot_product_attention", "v");
  if (options.mask.defined() && options.mask.requires_grad() && GradMode::enabled())
    return attention_reference(q, k, v, options);
  core::AttentionResult r =
      core::flash_attention(q.data(), k.data(), v.data(), core_options(options));
  Tensor out = make_result(std::move(r.out));
  if (auto node = record<AttentionBackward>({q, k, v}, {out}, options)) {
    node->saved.q = SavedTensor(q, false);
    node->saved.k = SavedTensor(k, false);
    node->saved.v = SavedTensor(v, false);
    node->saved.out = SavedTensor(out, true);
    node->saved.lse = std::move(r.lse);
  }
  return out;
}

Tensor causal_mask(std::int64_t t, std::int64_t s) { return Tensor(core::causal_mask(t, s)); }
Tensor key_padding_mask(const Tensor& lengths, std::int64_t s) {
  check_input(lengths, "key_padding_mask", "lengths");
  return Tensor(core::key_padding_mask(lengths.data(), s));
}
Tensor seq2seq_mask(const Tensor& source_lengths, std::int64_t t) {
  check_input(source_lengths, "seq2seq_mask", "source_lengths");
  return Tensor(core::seq2seq_mask(source_lengths.data(), t));
}

}  // namespace liandan
