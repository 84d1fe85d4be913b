// nn::RoFormer: a bidirectional Transformer encoder with rotary positions (Su et al., arXiv
// 2104.09864) and a masked-LM head, plus UniLM's seq2seq mode (Dong et al. 2019): one encoder,
// attention bidirectional over the source segment and causal over the target.
#pragma once

#include <cstdint>
#include <vector>

#include "liandan/nn/containers.hpp"
#include "liandan/nn/embedding.hpp"
#include "liandan/nn/models/transformer_block.hpp"

namespace liandan::nn {

struct RoFormerConfig {
  std::int64_t vocab_size = 256;
  std::int64_t n_layers = 4;
  std::int64_t d_model = 256;
  std::int64_t n_heads = 4;
  std::int64_t mlp_ratio = 4;
  double rope_base = 10000;
  double dropout = 0;
  DType dtype = DType::f32;
};

class RoFormer : public Module {
 public:
  explicit RoFormer(const RoFormerConfig& config);
  // tokens (B, T) i64 -> hidden states (B, T, C), bidirectional.
  Tensor forward(const Tensor& tokens) override { return encode(tokens, Tensor()); }
  // mask: bool (true = may attend), broadcastable to (B, H, T, T); undefined for none.
  Tensor encode(const Tensor& tokens, const Tensor& mask);
  // Masked-LM logits (B, T, vocab): dense, GELU, LayerNorm, tied decoder + bias (BERT's head).
  Tensor mlm_logits(const Tensor& tokens, const Tensor& mask = Tensor());
  // UniLM seq2seq: tokens are [source | target]; row b's first source_lengths[b] tokens attend
  // to each other, target tokens to the source and earlier targets. Logits (B, T, vocab).
  Tensor seq2seq_logits(const Tensor& tokens, const Tensor& source_lengths);
  std::string type_name() const override { return "RoFormer"; }

  Embedding tok_emb;
  ModuleList blocks;
  LayerNorm ln_f;
  Linear mlm_dense;
  LayerNorm mlm_norm;
  Tensor mlm_bias;  // (vocab)

 private:
  RoFormerConfig config_;
  std::vector<TransformerBlock*> block_ptrs_;
};

}  // namespace liandan::nn
