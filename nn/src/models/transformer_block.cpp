// nn::TransformerBlock: pre-LN attention + MLP with either attention kind.
#include "liandan/nn/models/transformer_block.hpp"

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

std::string to_string(AttentionKind kind) {
  return kind == AttentionKind::softmax ? "softmax" : "linear";
}

namespace {

LinearAttentionModuleOptions linear_options(const TransformerBlockOptions& o) {
  return {.causal = o.causal, .dtype = o.dtype};
}

}  // namespace

TransformerBlock::TransformerBlock(std::int64_t d_model, std::int64_t n_heads,
                                   const TransformerBlockOptions& o)
    : ln1(Shape{d_model}, {.dtype = o.dtype}),
      ln2(Shape{d_model}, {.dtype = o.dtype}),
      mlp(d_model, o.mlp_ratio * d_model, {.dropout = o.dropout, .dtype = o.dtype}),
      options_(o) {
  register_module("ln1", ln1);
  if (o.attention == AttentionKind::softmax) {
    attn.emplace(d_model, n_heads,
                 MultiHeadAttentionOptions{.causal = o.causal,
                                           .rope = o.rope,
                                           .rope_base = o.rope_base,
                                           .rope_grid_width = o.rope_grid_width,
                                           .dtype = o.dtype});
    register_module("attn", *attn);
  } else {
    LinearAttentionModuleOptions lo = linear_options(o);
    if (o.rope != RopeKind::none) {
      rotary_.emplace(d_model / n_heads,
                      RotaryEmbeddingOptions{
                          .kind = o.rope, .base = o.rope_base, .grid_width = o.rope_grid_width});
      lo.rotary = [this](const Tensor& x, std::int64_t start) {
        return rotary_->forward(x, start);
      };
    }
    linear_attn.emplace(d_model, n_heads, lo);
    register_module("attn", *linear_attn);
  }
  register_module("ln2", ln2);
  register_module("mlp", mlp);
}

Tensor TransformerBlock::forward(const Tensor& x, const Tensor& mask) {
  Tensor h;
  if (attn)
    h = attn->forward(ln1(x), AttentionCall{.mask = mask});
  else
    h = mask.defined() ? linear_attn->forward(ln1(x), mask) : (*linear_attn)(ln1(x));
  const Tensor y = x + h;
  return y + mlp(ln2(y));
}

Tensor TransformerBlock::forward(const Tensor& x, BlockCache& cache) {
  check(options_.causal, "TransformerBlock: incremental forward needs a causal block");
  Tensor h;
  if (attn) {
    h = attn->forward(ln1(x), cache.kv);
  } else {
    if (!cache.state) cache.state = linear_attn->initial_state();
    const Tensor xn = ln1(x);
    std::vector<Tensor> steps;
    for (std::int64_t t = 0; t < x.size(1); ++t)
      steps.push_back(linear_attn->step(*cache.state, select(xn, 1, t)));
    h = stack(steps, 1);
  }
  const Tensor y = x + h;
  return y + mlp(ln2(y));
}

}  // namespace liandan::nn
