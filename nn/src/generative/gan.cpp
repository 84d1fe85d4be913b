// DCGAN-style and MLP generators and critics.
#include "liandan/nn/generative/gan.hpp"

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/batchnorm.hpp"
#include "liandan/nn/conv.hpp"
#include "liandan/nn/init.hpp"
#include "liandan/nn/shape.hpp"

namespace liandan::nn::generative {
namespace {

// GN-GAN's initialisation of the DCGAN nets: weights N(0, 0.02), biases zero.
void dcgan_init(Module& net) {
  for (const auto& [name, p] : net.named_parameters()) {
    if (name.ends_with("weight") && p.dim() > 1) init::normal_(p, 0, 0.02);
    if (name.ends_with("bias")) init::zeros_(p);
  }
}

// Attaches a SpectralNorm to every Conv2d and Linear below `net`.
void add_spectral_norms(Module& net, std::vector<std::unique_ptr<SpectralNorm>>& out) {
  for (Module* m : net.modules())
    if (dynamic_cast<Conv2d*>(m) || dynamic_cast<Linear*>(m))
      out.push_back(std::make_unique<SpectralNorm>(*m));
}

void check_positive(const char* what, std::int64_t z, std::int64_t w) {
  check(z > 0 && w > 0, "{}: z_dim and width must be positive, got {} and {}", what, z, w);
}

}  // namespace

DCGANGenerator::DCGANGenerator(const DCGANOptions& o)
    : z_dim(o.z_dim), width(o.width), linear(o.z_dim, 4 * o.width * 49, {.dtype = o.dtype}) {
  check_positive("DCGANGenerator", o.z_dim, o.width);
  const std::int64_t w = o.width;
  const ConvTranspose2dOptions up{.stride = 2, .padding = 1, .dtype = o.dtype};
  main.emplace_back<BatchNorm2d>(4 * w, BatchNormOptions{.dtype = o.dtype});
  main.emplace_back<ReLU>();
  main.emplace_back<ConvTranspose2d>(4 * w, 2 * w, 4, up);  // (B, 2w, 14, 14)
  main.emplace_back<BatchNorm2d>(2 * w, BatchNormOptions{.dtype = o.dtype});
  main.emplace_back<ReLU>();
  main.emplace_back<ConvTranspose2d>(2 * w, w, 4, up);  // (B, w, 28, 28)
  main.emplace_back<BatchNorm2d>(w, BatchNormOptions{.dtype = o.dtype});
  main.emplace_back<ReLU>();
  main.emplace_back<ConvTranspose2d>(w, 1, 3,
                                     ConvTranspose2dOptions{.padding = 1, .dtype = o.dtype});
  main.emplace_back<Tanh>();
  register_modules({{"linear", linear}, {"main", main}});
  dcgan_init(*this);
}

Tensor DCGANGenerator::forward(const Tensor& z) {
  check(z.dim() == 2 && z.size(1) == z_dim, "DCGANGenerator: expected noise (B, {}), got {}", z_dim,
        z.shape());
  return main(view(linear(z), {z.size(0), 4 * width, 7, 7}));
}

Tensor DCGANGenerator::sample(std::int64_t n, core::Generator& gen) {
  return forward(Tensor(core::normal({n, z_dim}, 0, 1, linear.weight.dtype(), gen)));
}

DCGANCritic::DCGANCritic(const DCGANOptions& o) : linear(4 * o.width * 49, 1, {.dtype = o.dtype}) {
  check_positive("DCGANCritic", o.z_dim, o.width);
  const std::int64_t w = o.width;
  const Conv2dOptions same{.padding = 1, .dtype = o.dtype};
  const Conv2dOptions down{.stride = 2, .padding = 1, .dtype = o.dtype};
  main.emplace_back<Conv2d>(1, w, 3, same);
  main.emplace_back<LeakyReLU>(0.1);
  main.emplace_back<Conv2d>(w, 2 * w, 4, down);  // (B, 2w, 14, 14)
  main.emplace_back<LeakyReLU>(0.1);
  main.emplace_back<Conv2d>(2 * w, 2 * w, 3, same);
  main.emplace_back<LeakyReLU>(0.1);
  main.emplace_back<Conv2d>(2 * w, 4 * w, 4, down);  // (B, 4w, 7, 7)
  main.emplace_back<LeakyReLU>(0.1);
  main.emplace_back<Conv2d>(4 * w, 4 * w, 3, same);
  main.emplace_back<LeakyReLU>(0.1);
  register_modules({{"main", main}, {"linear", linear}});
  dcgan_init(*this);
  if (o.spectral_norm) add_spectral_norms(*this, spectral_norms_);
}

Tensor DCGANCritic::forward(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 1 && x.size(2) == 28 && x.size(3) == 28,
        "DCGANCritic: expected images (B, 1, 28, 28), got {}", x.shape());
  return linear(main(x).flatten(1));
}

MlpGan::MlpGan(const MlpGanOptions& o) {
  check(o.in_features > 0 && o.out_features > 0 && o.width > 0 && o.depth >= 0,
        "MlpGan: features and width must be positive and depth >= 0, got {} -> {}, width {}, "
        "depth {}",
        o.in_features, o.out_features, o.width, o.depth);
  std::int64_t in = o.in_features;
  for (std::int64_t i = 0; i < o.depth; ++i) {
    emplace_back<Linear>(in, o.width, LinearOptions{.dtype = o.dtype});
    emplace_back<ReLU>();
    in = o.width;
  }
  emplace_back<Linear>(in, o.out_features, LinearOptions{.dtype = o.dtype});
  if (o.spectral_norm) add_spectral_norms(*this, spectral_norms_);
}

}  // namespace liandan::nn::generative
