// nn::GPT: embeddings, causal blocks, tied head; full and incremental forward.
#include "liandan/nn/models/gpt.hpp"

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"

namespace liandan::nn {

std::string to_string(PositionKind kind) {
  switch (kind) {
    case PositionKind::none:
      return "none";
    case PositionKind::learned:
      return "learned";
    case PositionKind::sinusoidal:
      return "sinusoidal";
    case PositionKind::rope:
      return "rope";
  }
  return "?";
}

GPT::GPT(const GPTConfig& c)
    : tok_emb(c.vocab_size, c.d_model, {.dtype = c.dtype}),
      ln_f(Shape{c.d_model}, {.dtype = c.dtype}),
      config_(c) {
  check(c.vocab_size > 0 && c.n_layers > 0 && c.max_len > 0 && c.n_heads > 0 &&
            c.d_model % c.n_heads == 0,
        "GPT: invalid config (vocab_size {}, max_len {}, n_layers {}, d_model {}, n_heads {})",
        c.vocab_size, c.max_len, c.n_layers, c.d_model, c.n_heads);
  register_module("tok_emb", tok_emb);
  if (c.positions == PositionKind::learned) {
    pos_emb.emplace(c.max_len, c.d_model, LearnedPositionalEmbeddingOptions{.dtype = c.dtype});
    register_module("pos_emb", *pos_emb);
  } else if (c.positions == PositionKind::sinusoidal) {
    sin_emb.emplace(c.d_model);
    register_module("sin_emb", *sin_emb);
  }
  const TransformerBlockOptions block{
      .attention = c.attention,
      .causal = true,
      .rope = c.positions == PositionKind::rope ? RopeKind::rope_1d : RopeKind::none,
      .rope_base = c.rope_base,
      .mlp_ratio = c.mlp_ratio,
      .dropout = c.dropout,
      .dtype = c.dtype};
  for (std::int64_t i = 0; i < c.n_layers; ++i)
    block_ptrs_.push_back(&blocks.emplace_back<TransformerBlock>(c.d_model, c.n_heads, block));
  register_module("blocks", blocks);
  register_module("ln_f", ln_f);
  if (!c.tie_weights) {
    head.emplace(c.d_model, c.vocab_size, LinearOptions{.bias = false, .dtype = c.dtype});
    register_module("head", *head);
  }
  // GPT-2's init for the embeddings (N(0, 0.02)): with the head tied to them, nn::Embedding's
  // N(0, 1) would give initial logits of std ~sqrt(d_model) and a loss far above log(vocab).
  init::normal_(tok_emb.weight, 0, 0.02);
  if (pos_emb) init::normal_(pos_emb->weight, 0, 0.02);
}

Tensor GPT::embed(const Tensor& tokens, std::int64_t offset) {
  check(tokens.dim() == 2, "GPT: tokens must be (B, T), got {}", tokens.shape());
  check(offset + tokens.size(1) <= config_.max_len, "GPT: {} positions exceed max_len {}",
        offset + tokens.size(1), config_.max_len);
  Tensor x = tok_emb(tokens);
  if (pos_emb) x = pos_emb->forward(x, offset);
  if (sin_emb) x = sin_emb->forward(x, offset);
  return x;
}

Tensor GPT::logits(const Tensor& h) {
  const Tensor y = ln_f(h);
  return head ? (*head)(y) : y.matmul(tok_emb.weight.transpose(0, 1));
}

Tensor GPT::forward(const Tensor& tokens) {
  return call([&] {
    Tensor x = embed(tokens, 0);
    for (TransformerBlock* block : block_ptrs_) x = (*block)(x);
    return logits(x);
  });
}

Tensor GPT::forward(const Tensor& tokens, GPTCache& cache) {
  return call([&] {
    check(cache.blocks.size() == block_ptrs_.size(), "GPT: cache has {} blocks, the model {}",
          cache.blocks.size(), block_ptrs_.size());
    Tensor x = embed(tokens, cache.length);
    for (std::size_t i = 0; i < block_ptrs_.size(); ++i)
      x = block_ptrs_[i]->forward(x, cache.blocks[i]);
    cache.length += tokens.size(1);
    return logits(x);
  });
}

std::string GPT::extra_repr() const {
  return fmt::format(
      "vocab_size={}, d_model={}, n_layers={}, n_heads={}, attention={}, positions={}",
      config_.vocab_size, config_.d_model, config_.n_layers, config_.n_heads,
      to_string(config_.attention), to_string(config_.positions));
}

}  // namespace liandan::nn
