// Encoders and decoders for 28x28x1 images (Fashion-MNIST shaped), shared by the VAE and the
// EAE: an MLP or a small convolutional pair. Dims: B = batch, d = latent or output features.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "liandan/nn/containers.hpp"

namespace liandan::nn::generative {

enum class ImageArch { mlp, conv };

struct ImageNetOptions {
  ImageArch arch = ImageArch::mlp;
  // mlp: hidden widths from the image side (784-512-256-d as the VAE benchmark);
  // conv: one entry c, the channels of the first conv (c, then 2c at 7x7).
  std::vector<std::int64_t> hidden = {512, 256};
  DType dtype = DType::f32;
};

inline constexpr std::int64_t kImageSide = 28;

// (B, 1, 28, 28) -> (B, out_features).
//   mlp:  Flatten, [Linear, ReLU] per hidden width, Linear
//   conv: Conv(1, c, 4, s2, p1) 14x14, ReLU, Conv(c, 2c, 4, s2, p1) 7x7, ReLU, Flatten,
//         Linear(2c*49, out)
std::unique_ptr<Sequential> image_encoder(const ImageNetOptions& options,
                                          std::int64_t out_features);

// (B, latent) -> (B, 1, 28, 28) pre-activation outputs (logits or means): the mirror image.
//   conv: Linear(latent, 2c*49), ReLU, Unflatten(2c, 7, 7), ConvT(2c, c, 4, s2, p1), ReLU,
//         ConvT(c, 1, 4, s2, p1)
std::unique_ptr<Sequential> image_decoder(const ImageNetOptions& options, std::int64_t latent);

}  // namespace liandan::nn::generative
