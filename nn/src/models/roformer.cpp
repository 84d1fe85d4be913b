// nn::RoFormer: encoder, MLM head, UniLM mask.
#include "liandan/nn/models/roformer.hpp"

#include "liandan/autograd/attention.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

RoFormer::RoFormer(const RoFormerConfig& c)
    : tok_emb(c.vocab_size, c.d_model, {.dtype = c.dtype}),
      ln_f(Shape{c.d_model}, {.dtype = c.dtype}),
      mlm_dense(c.d_model, c.d_model, {.dtype = c.dtype}),
      mlm_norm(Shape{c.d_model}, {.dtype = c.dtype}),
      config_(c) {
  check(c.n_heads > 0 && c.d_model % c.n_heads == 0,
        "RoFormer: d_model {} not divisible by {} heads", c.d_model, c.n_heads);
  register_module("tok_emb", tok_emb);
  const TransformerBlockOptions block{.rope = RopeKind::rope_1d,
                                      .rope_base = c.rope_base,
                                      .mlp_ratio = c.mlp_ratio,
                                      .dropout = c.dropout,
                                      .dtype = c.dtype};
  for (std::int64_t i = 0; i < c.n_layers; ++i)
    block_ptrs_.push_back(&blocks.emplace_back<TransformerBlock>(c.d_model, c.n_heads, block));
  register_module("blocks", blocks);
  register_module("ln_f", ln_f);
  register_module("mlm_dense", mlm_dense);
  register_module("mlm_norm", mlm_norm);
  mlm_bias = zeros({c.vocab_size}, {.dtype = c.dtype});
  register_parameter("mlm_bias", mlm_bias);
}

Tensor RoFormer::encode(const Tensor& tokens, const Tensor& mask) {
  return call([&] {
    check(tokens.dim() == 2, "RoFormer: tokens must be (B, T), got {}", tokens.shape());
    Tensor x = tok_emb(tokens);
    for (TransformerBlock* block : block_ptrs_) x = block->forward(x, mask);
    return ln_f(x);
  });
}

Tensor RoFormer::mlm_logits(const Tensor& tokens, const Tensor& mask) {
  const Tensor h = mlm_norm(gelu(mlm_dense(encode(tokens, mask))));
  return h.matmul(tok_emb.weight.transpose(0, 1)) + mlm_bias;
}

Tensor RoFormer::seq2seq_logits(const Tensor& tokens, const Tensor& source_lengths) {
  return mlm_logits(tokens, seq2seq_mask(source_lengths, tokens.size(1)));
}

}  // namespace liandan::nn
