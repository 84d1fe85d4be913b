// nn::ViT: a small Vision Transformer for 28x28 images with RoPE-2D positions (Su,
// kexue.fm/archives/8397): non-overlapping patches (a strided Conv2d), bidirectional pre-LN
// blocks whose q and k are rotated by each patch's (row, column), LayerNorm, mean pooling
// over the patches (no class token: RoPE gives it no position), and a linear classifier.
#pragma once

#include <cstdint>
#include <vector>

#include "liandan/nn/containers.hpp"
#include "liandan/nn/conv.hpp"
#include "liandan/nn/models/transformer_block.hpp"

namespace liandan::nn {

struct ViTConfig {
  std::int64_t image_size = 28;
  std::int64_t patch_size = 4;  // 7 x 7 patches
  std::int64_t in_channels = 1;
  std::int64_t num_classes = 10;
  std::int64_t n_layers = 4;
  std::int64_t d_model = 128;
  std::int64_t n_heads = 4;
  std::int64_t mlp_ratio = 2;
  double rope_base = 100;  // positions only go up to image_size / patch_size
  DType dtype = DType::f32;
};

class ViT : public Module {
 public:
  explicit ViT(const ViTConfig& config);
  // images (B, in_channels, image_size, image_size) -> logits (B, num_classes).
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "ViT"; }

  Conv2d patch_embed;
  ModuleList blocks;
  LayerNorm ln_f;
  Linear head;

 private:
  ViTConfig config_;
  std::vector<TransformerBlock*> block_ptrs_;
};

}  // namespace liandan::nn
