// nn::GPT: a GPT-style decoder LM. Tokens + positions -> n_layers pre-LN causal
// TransformerBlocks -> LayerNorm -> logits over the vocabulary (head tied to the token
// embedding by default, as GPT-2). Positions: learned absolute, sinusoidal, RoPE or none;
// attention: softmax (KV cache) or causal linear (recurrent state) for generation. Token and
// learned position embeddings start N(0, 0.02) as GPT-2's; the other layers keep PyTorch's
// default init.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "liandan/nn/containers.hpp"
#include "liandan/nn/embedding.hpp"
#include "liandan/nn/models/transformer_block.hpp"
#include "liandan/nn/positional.hpp"

namespace liandan::nn {

enum class PositionKind { none, learned, sinusoidal, rope };
std::string to_string(PositionKind kind);

struct GPTConfig {
  std::int64_t vocab_size = 256;
  std::int64_t max_len = 128;  // learned positions' table size; others only check it
  std::int64_t n_layers = 4;
  std::int64_t d_model = 256;
  std::int64_t n_heads = 4;
  std::int64_t mlp_ratio = 4;
  AttentionKind attention = AttentionKind::softmax;
  PositionKind positions = PositionKind::learned;
  double rope_base = 10000;
  bool tie_weights = true;  // logits = h @ tok_emb.weight^T
  double dropout = 0;
  DType dtype = DType::f32;
};

// The per-block caches of an incremental decode and the number of tokens they hold.
struct GPTCache {
  std::vector<BlockCache> blocks;
  std::int64_t length = 0;
};

class GPT : public Module {
 public:
  explicit GPT(const GPTConfig& config);
  // tokens (B, T) i64 -> logits (B, T, vocab_size).
  Tensor forward(const Tensor& tokens) override;
  // tokens (B, T) that follow the cache's; extends the cache. Equal to the full forward's
  // last T rows.
  Tensor forward(const Tensor& tokens, GPTCache& cache);
  GPTCache new_cache() const { return {std::vector<BlockCache>(config_.n_layers), 0}; }
  const GPTConfig& config() const { return config_; }
  std::string type_name() const override { return "GPT"; }
  std::string extra_repr() const override;

  Embedding tok_emb;
  std::optional<LearnedPositionalEmbedding> pos_emb;
  std::optional<SinusoidalPositionalEmbedding> sin_emb;
  ModuleList blocks;
  LayerNorm ln_f;
  std::optional<Linear> head;  // untied only

 private:
  Tensor embed(const Tensor& tokens, std::int64_t offset);
  Tensor logits(const Tensor& h);

  GPTConfig config_;
  std::vector<TransformerBlock*> block_ptrs_;
};

}  // namespace liandan::nn
