// nn::ViT: patches -> RoPE-2D blocks -> mean pool -> classifier.
#include "liandan/nn/models/vit.hpp"

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

ViT::ViT(const ViTConfig& c)
    : patch_embed(c.in_channels, c.d_model, c.patch_size,
                  {.stride = c.patch_size, .dtype = c.dtype}),
      ln_f(Shape{c.d_model}, {.dtype = c.dtype}),
      head(c.d_model, c.num_classes, {.dtype = c.dtype}),
      config_(c) {
  check(c.patch_size > 0 && c.image_size % c.patch_size == 0,
        "ViT: image_size {} is not a multiple of patch_size {}", c.image_size, c.patch_size);
  check(c.n_heads > 0 && c.d_model % (4 * c.n_heads) == 0,
        "ViT: RoPE-2D needs a head size divisible by 4 (d_model {}, {} heads)", c.d_model,
        c.n_heads);
  register_module("patch_embed", patch_embed);
  const TransformerBlockOptions block{.rope = RopeKind::rope_2d,
                                      .rope_base = c.rope_base,
                                      .rope_grid_width = c.image_size / c.patch_size,
                                      .mlp_ratio = c.mlp_ratio,
                                      .dtype = c.dtype};
  for (std::int64_t i = 0; i < c.n_layers; ++i)
    block_ptrs_.push_back(&blocks.emplace_back<TransformerBlock>(c.d_model, c.n_heads, block));
  register_module("blocks", blocks);
  register_module("ln_f", ln_f);
  register_module("head", head);
}

Tensor ViT::forward(const Tensor& images) {
  return call([&] {
    const Tensor p = patch_embed(images);        // (B, C, rows, cols)
    Tensor x = p.flatten(2, 3).transpose(1, 2);  // (B, rows * cols, C), row-major patches
    for (TransformerBlock* block : block_ptrs_) x = (*block)(x);
    return head(ln_f(x).mean({1}));
  });
}

}  // namespace liandan::nn
