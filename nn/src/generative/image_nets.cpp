// Encoder and decoder builders for 28x28x1 images.
#include "liandan/nn/generative/image_nets.hpp"

#include "liandan/nn/activation.hpp"
#include "liandan/nn/conv.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/shape.hpp"

namespace liandan::nn::generative {
namespace {

constexpr std::int64_t kPixels = kImageSide * kImageSide;

void check_options(const ImageNetOptions& o, std::int64_t features, const char* what) {
  check(features > 0, "{}: features must be positive, got {}", what, features);
  check(!o.hidden.empty(), "{}: hidden must not be empty", what);
  check(o.arch == ImageArch::mlp || o.hidden.size() == 1,
        "{}: conv takes one hidden entry (channels), got {}", what, o.hidden.size());
  for (std::int64_t h : o.hidden)
    check(h > 0, "{}: hidden widths must be positive, got {}", what, h);
}

}  // namespace

std::unique_ptr<Sequential> image_encoder(const ImageNetOptions& o, std::int64_t out_features) {
  check_options(o, out_features, "image_encoder");
  auto net = std::make_unique<Sequential>();
  if (o.arch == ImageArch::mlp) {
    net->emplace_back<Flatten>();
    std::int64_t in = kPixels;
    for (std::int64_t h : o.hidden) {
      net->emplace_back<Linear>(in, h, LinearOptions{.dtype = o.dtype});
      net->emplace_back<ReLU>();
      in = h;
    }
    net->emplace_back<Linear>(in, out_features, LinearOptions{.dtype = o.dtype});
    return net;
  }
  const std::int64_t c = o.hidden[0];
  const Conv2dOptions down{.stride = 2, .padding = 1, .dtype = o.dtype};
  net->emplace_back<Conv2d>(1, c, 4, down);  // (B, c, 14, 14)
  net->emplace_back<ReLU>();
  net->emplace_back<Conv2d>(c, 2 * c, 4, down);  // (B, 2c, 7, 7)
  net->emplace_back<ReLU>();
  net->emplace_back<Flatten>();
  net->emplace_back<Linear>(2 * c * 49, out_features, LinearOptions{.dtype = o.dtype});
  return net;
}

std::unique_ptr<Sequential> image_decoder(const ImageNetOptions& o, std::int64_t latent) {
  check_options(o, latent, "image_decoder");
  auto net = std::make_unique<Sequential>();
  if (o.arch == ImageArch::mlp) {
    std::int64_t in = latent;
    for (auto it = o.hidden.rbegin(); it != o.hidden.rend(); ++it) {
      net->emplace_back<Linear>(in, *it, LinearOptions{.dtype = o.dtype});
      net->emplace_back<ReLU>();
      in = *it;
    }
    net->emplace_back<Linear>(in, kPixels, LinearOptions{.dtype = o.dtype});
    net->emplace_back<Unflatten>(1, Shape{1, kImageSide, kImageSide});
    return net;
  }
  const std::int64_t c = o.hidden[0];
  const ConvTranspose2dOptions up{.stride = 2, .padding = 1, .dtype = o.dtype};
  net->emplace_back<Linear>(latent, 2 * c * 49, LinearOptions{.dtype = o.dtype});
  net->emplace_back<ReLU>();
  net->emplace_back<Unflatten>(1, Shape{2 * c, 7, 7});
  net->emplace_back<ConvTranspose2d>(2 * c, c, 4, up);  // (B, c, 14, 14)
  net->emplace_back<ReLU>();
  net->emplace_back<ConvTranspose2d>(c, 1, 4, up);  // (B, 1, 28, 28)
  return net;
}

}  // namespace liandan::nn::generative
